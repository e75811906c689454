// The small CNNs of the fixture scripts, built from convkit layers, with the key mapping to the
// fixtures' module names (features.*, classifier.*). Browser-safe: no node imports.
//   fixtureCnn: scripts/fixtures/layers.py (packages/layers/src/__fixtures__/small-cnn.json)
//   smallCnn:   scripts/fixtures/train.py (packages/train/src/__fixtures__/*.json)
import * as tf from '@tensorflow/tfjs-core';
import { logSoftmax } from '@convkit/core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d, Dropout2d } from '@convkit/regularization';
import { type EncodedTensor, toTensor } from './tensors';

export interface SmallCnnFixture {
  paramCount: number;
  initial: Record<string, EncodedTensor>;
  inputs: EncodedTensor[];
  labels: number[][];
  evalLogits: EncodedTensor;
  trainLogits: EncodedTensor;
  lossesPerStep: number[];
  gradsStep1: Record<string, EncodedTensor>;
  afterSteps: Record<string, EncodedTensor>;
  lr: number;
}

/** layers.py's network: conv-BN-ReLU-pool ×2, Dropout2d, Linear. */
export function fixtureCnn(): Sequential {
  const features = new Sequential(
    new Conv2d(1, 8, 3, { padding: 1 }),
    new BatchNorm2d(8),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Conv2d(8, 16, 3, { padding: 1 }),
    new BatchNorm2d(16),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Dropout2d(0),
  );
  return new Sequential(features, new Flatten(), new Linear(16 * 3 * 3, 5));
}

/** train.py's SmallCNN: Conv (no bias)-BN-ReLU-pool, Linear. */
export function smallCnn(): Sequential {
  const features = new Sequential(
    new Conv2d(1, 4, 3, { padding: 1, bias: false }),
    new BatchNorm2d(4),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
  );
  return new Sequential(features, new Flatten(), new Linear(4 * 4 * 4, 3));
}

/** Our Sequential paths ↔ the fixture's module names (features.*, classifier.*). */
export const ourKey = (k: string): string => k.replace(/^features\./, '0.').replace(/^classifier\./, '2.');
export const theirKey = (k: string): string => k.replace(/^0\./, 'features.').replace(/^2\./, 'classifier.');

/** Loads a fixture's state dict (its names, `num_batches_tracked` as int32 as PyTorch has it). */
export function loadFixtureState(model: Sequential, dict: Record<string, EncodedTensor>): void {
  const tensors = Object.fromEntries(
    Object.entries(dict).map(([k, v]) => [
      ourKey(k),
      k.endsWith('num_batches_tracked') ? tf.tensor(v.data, v.shape, 'int32') : toTensor(v),
    ]),
  );
  model.loadStateDict(tensors);
  tf.dispose(Object.values(tensors));
}

/** Mean cross-entropy written out with core ops (independent of @convkit/train). */
export function crossEntropy(logits: tf.Tensor, labels: number[]): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1] as number);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logSoftmax(logits)), 1))) as tf.Scalar;
  });
}
