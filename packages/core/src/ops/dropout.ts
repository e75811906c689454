import * as tf from '@tensorflow/tfjs-core';
import { type Generator, toGenerator } from '../random';
import { assertProbability, assertRank } from '../validate';

export interface DropoutOptions {
  /** Identity when false (evaluation). Default true. */
  training?: boolean;
  /** A seed or a generator; each call draws a fresh mask from it. */
  generator?: number | Generator;
}

function inverted(where: string, x: tf.Tensor, p: number, maskShape: number[], { training = true, generator }: DropoutOptions): tf.Tensor {
  assertProbability(where, 'p', p);
  if (!training || p === 0) return tf.clone(x);
  const seed = toGenerator(generator).nextSeed();
  return tf.tidy(() => {
    const keep = tf.cast(tf.greaterEqual(tf.randomUniform(maskShape, 0, 1, 'float32', seed), p), 'float32');
    return tf.mul(x, tf.mul(keep, 1 / (1 - p)));
  });
}

/** Inverted dropout: zeroes each element with probability `p` and scales the rest by `1/(1-p)`. */
export function dropout(x: tf.Tensor, p: number, options: DropoutOptions = {}): tf.Tensor {
  return inverted('dropout', x, p, x.shape, options);
}

/** Spatial dropout on NHWC: zeroes whole channels of each example (PyTorch's `Dropout2d`). */
export function dropout2d(x: tf.Tensor4D, p: number, options: DropoutOptions = {}): tf.Tensor4D {
  assertRank('dropout2d', 'input', x, 4, 'NHWC [N,H,W,C]');
  return inverted('dropout2d', x, p, [x.shape[0], 1, 1, x.shape[3]], options) as tf.Tensor4D;
}
