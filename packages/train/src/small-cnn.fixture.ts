import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d } from '@convkit/regularization';
import { type EncodedTensor, toTensor } from '../../../test/fixtures';

/** scripts/fixtures/train.py's SmallCNN (Conv-BN-ReLU-pool, Linear) from convkit layers. */
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
export const ourKey = (k: string) => k.replace(/^features\./, '0.').replace(/^classifier\./, '2.');

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
