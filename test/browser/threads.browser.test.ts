// The CPU backend's kernels on Web Workers: the test pages are cross-origin isolated (see
// vitest.browser.config.ts), so shared wasm memory and workers are available there.
import * as tf from '@tensorflow/tfjs-core';
import { disableFastKernels, enableFastKernels, fastKernelsInfo } from '@convkit/backend-cpu';
import { selectBackend } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { inBrowser } from './context';

async function helpersStarted(): Promise<boolean> {
  for (let i = 0; i < 200 && !fastKernelsInfo().helpersReady; i++) await new Promise((r) => setTimeout(r, 50));
  return fastKernelsInfo().helpersReady;
}

describe.runIf(inBrowser)('CPU kernels on worker threads in a cross-origin isolated page', () => {
  it('start helpers, report the thread count and give the same numbers as one thread', async () => {
    expect(globalThis.crossOriginIsolated).toBe(true);
    const report = await selectBackend(['cpu']);
    enableFastKernels({ threads: 2 });
    expect(await helpersStarted()).toBe(true);
    expect(fastKernelsInfo().threads).toBe(2);
    expect(report.details.threads).toBeGreaterThanOrEqual(1);
    const x = tf.randomNormal([2, 20, 20, 24], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 24, 40], 0, 0.2, 'float32', 2) as tf.Tensor4D;
    const run = () => tf.tidy(() => tf.relu(tf.add(tf.conv2d(x, w, 2, 'same'), 0.1)).dataSync());
    const two = run();
    enableFastKernels({ threads: 1 });
    const one = run();
    expect(Array.from(two)).toEqual(Array.from(one));
    disableFastKernels();
    const tfjs = run();
    enableFastKernels();
    two.forEach((v, i) => expect(Math.abs(v - tfjs[i])).toBeLessThan(1e-4));
    tf.dispose([x, w]);
  });
});
