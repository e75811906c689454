import * as tf from '@tensorflow/tfjs-core';
import { smallCnn } from '@convkit/models';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './index';
import { relativeDiff } from '@convkit/test-utils';
import { checkerAvailable, checkModel, runOnnx, toNchw } from '@convkit/test-utils/onnx';

describe('exportOnnx: small CNN', () => {
  it('matches convkit at batch 1 and 3', async () => {
    const model = smallCnn({ seed: 1 });
    const before = tf.memory().numTensors;
    const bytes = await exportOnnx(model, { inputShape: [1, 1, 28, 28] });
    expect(tf.memory().numTensors).toBe(before);
    if (checkerAvailable()) checkModel(bytes);
    for (const n of [1, 3]) {
      const x = tf.randomNormal([n, 28, 28, 1], 0, 1, 'float32', n);
      const ours = model.predict(x);
      const theirs = await runOnnx(bytes, toNchw(x));
      expect(theirs.shape).toEqual([n, 10]);
      expect(relativeDiff(theirs, ours)).toBeLessThan(1e-4);
    }
  });
});
