import { type Generator, toGenerator } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertProbability, checkBatch } from './check';
import type { Transform } from './transform';

/** Mirrors every image of the batch left–right (torchvision `F.hflip`). */
export function horizontalFlip(x: tf.Tensor4D): tf.Tensor4D {
  checkBatch('horizontalFlip', x);
  return tf.reverse(x, 2);
}

/**
 * torchvision's `RandomHorizontalFlip(p)`: each example is mirrored with probability `p`,
 * independently, using draws from `seed` (a number, a `Generator`, or core's default).
 */
export function randomHorizontalFlip({ p = 0.5, seed }: { p?: number; seed?: number | Generator } = {}): Transform {
  assertProbability('randomHorizontalFlip.p', p);
  const generator = toGenerator(seed);
  return (x) => {
    checkBatch('randomHorizontalFlip', x);
    const flip = Array.from({ length: x.shape[0] }, () => generator.random() < p);
    return tf.tidy(() => {
      if (!flip.some(Boolean)) return tf.clone(x);
      const mask = tf.tensor4d(flip, [flip.length, 1, 1, 1], 'bool');
      return tf.where(mask, tf.reverse(x, 2), x);
    });
  };
}
