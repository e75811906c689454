import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { saveWeights } from '@convkit/weights';
import { describe, expect, it } from 'vitest';
import { torchAvailable, tempDir } from '@convkit/test-utils/node';
import { smallCnn } from './small-cnn';

const script = new URL('../../../scripts/torch/load_small_cnn.py', import.meta.url).pathname;

interface TorchLoad {
  keys: Record<string, number[]>;
  logits: { shape: number[]; data: number[] };
}

describe.runIf(torchAvailable())('a SmallCNN saved by convkit loads into PyTorch as is', () => {
  it('load_state_dict(load_file(path)) is strict-clean and gives the same logits', () => {
    const model = smallCnn({ seed: 3 });
    // Non-trivial BatchNorm statistics, so the check covers the buffers too.
    const state = model.stateDict();
    const stats = Object.fromEntries(
      Object.entries(state)
        .filter(([k]) => /running_(mean|var)$/.test(k))
        .map(([k, t], i) => [k, tf.randomUniform(t.shape, 0.5, 1.5, 'float32', i)]),
    );
    model.loadStateDict(stats, { strict: false });
    tf.dispose(Object.values(stats));
    model.eval();

    const dir = tempDir('convkit-torch-');
    const weights = join(dir, 'small-cnn.safetensors');
    writeFileSync(weights, saveWeights(model));
    const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 7);
    const input = join(dir, 'input.json');
    writeFileSync(input, JSON.stringify({ shape: x.shape, data: Array.from(x.dataSync()) }));

    const torch = JSON.parse(execFileSync('/usr/bin/python3', [script, weights, input], { encoding: 'utf8' })) as TorchLoad;
    expect(torch.keys['classifier.0.weight']).toEqual([128, 3136]); // PyTorch's [out, in]
    expect(torch.keys['features.0.weight']).toEqual([32, 1, 3, 3]); // OIHW
    const ours = model.predict(x);
    expect(torch.logits.shape).toEqual(ours.shape);
    const mine = Array.from(ours.dataSync());
    const scale = Math.max(...mine.map(Math.abs));
    const diff = Math.max(...mine.map((v, i) => Math.abs(v - torch.logits.data[i])));
    expect(diff / scale).toBeLessThan(1e-4);
    tf.dispose([x, ours]);
    model.dispose();
  });
});
