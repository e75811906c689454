import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// A fresh Node process, as a user's program: the built package by its name, tfjs picking the backend.
const cwd = new URL('..', import.meta.url).pathname;
function run(source: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', source], { cwd, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("tfjs's 'install tfjs-node' advice", () => {
  it.each([
    ['tf.ready()', 'await tf.ready();'],
    ["tf.setBackend('cpu')", "await tf.setBackend('cpu');"],
    ['no selection at all', ''],
    ['import for side effects, then tf.ready()', 'await tf.ready();', "import '@convkit/backend-cpu';"],
  ])('is not printed after %s', (_name, select, importLine = "import { backendName } from '@convkit/backend-cpu';") => {
    const r = run(`import * as tf from '@tensorflow/tfjs-core';
${importLine}
${select}
const y = tf.matMul(tf.ones([4, 4]), tf.ones([4, 4]));
if (tf.getBackend() !== 'cpu' || tf.sum(y).dataSync()[0] !== 64) throw new Error('wrong result');
process.exit(0);`);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('is printed by tfjs-backend-cpu alone (the check above would catch it)', () => {
    const r = run(`import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
await tf.ready();
tf.ones([2]).dataSync();`);
    expect(r.output).toMatch(/tfjs-node/);
  });
});
