import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d } from '@convkit/regularization';
import { describe, expect, it } from 'vitest';
import { expectClose } from '@convkit/test-utils';
import { Conv2d, ReLU, Sequential } from './index';

function randomise(bn: BatchNorm2d): void {
  const c = bn.numFeatures;
  bn.loadStateDict({
    weight: tf.randomUniform([c], 0.5, 1.5, 'float32', 1),
    bias: tf.randomNormal([c], 0, 0.3, 'float32', 2),
    running_mean: tf.randomNormal([c], 0, 0.3, 'float32', 3),
    running_var: tf.randomUniform([c], 0.5, 1.5, 'float32', 4),
    num_batches_tracked: tf.scalar(3, 'int32'),
  });
}

describe('BatchNorm folding in evaluation', () => {
  it('a folded Conv→BN→ReLU gives the unfolded result, and caches until training resumes', () => {
    const conv = new Conv2d(3, 5, 3, { padding: 1, generator: 1 });
    const bn = new BatchNorm2d(5);
    randomise(bn);
    const model = new Sequential(conv, bn, new ReLU()).eval();
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 9);
    const reference = tf.tidy(() => tf.relu(bn.forward(conv.forward(x)))); // module by module, no folding
    const folded = model.forward(x);
    expectClose(folded, reference, { rtol: 1e-5 });
    const cached = tf.memory().numTensors;
    tf.dispose(model.forward(x));
    expect(tf.memory().numTensors).toBe(cached); // the folded weight and bias are reused
    model.train(); // training releases them
    expect(tf.memory().numTensors).toBe(cached - 2);
    tf.dispose([x, reference, folded]);
    model.dispose();
  });

  it('new weights invalidate the folded ones', () => {
    const conv = new Conv2d(2, 2, 1, { bias: false, generator: 3 });
    const bn = new BatchNorm2d(2);
    const model = new Sequential(conv, bn).eval();
    const x = tf.ones([1, 1, 1, 2]);
    tf.dispose(model.forward(x));
    model.loadStateDict({ ...model.stateDict(), '1.bias': tf.tensor1d([10, 20]) });
    const y = model.forward(x);
    const expected = tf.tidy(() => tf.add(tf.div(conv.forward(x), Math.sqrt(1 + 1e-5)), tf.tensor1d([10, 20])));
    expectClose(y, expected);
    tf.dispose([x, y, expected]);
    model.dispose();
  });
});
