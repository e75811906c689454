import { OptionError, ShapeError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkBatch } from './check';
import type { Transform } from './transform';

/** The ImageNet channel means and standard deviations every torchvision classifier was trained with (RGB). */
export const IMAGENET_MEAN: readonly number[] = Object.freeze([0.485, 0.456, 0.406]);
export const IMAGENET_STD: readonly number[] = Object.freeze([0.229, 0.224, 0.225]);

/** torchvision's `Normalize(mean, std)`: `(x - mean[c]) / std[c]` per channel (the last axis here). */
export function normalize(mean: readonly number[] = IMAGENET_MEAN, std: readonly number[] = IMAGENET_STD): Transform {
  if (mean.length !== std.length || mean.length === 0) {
    throw new OptionError('normalize', `mean and std must have one entry per channel, got ${mean.length} and ${std.length}`);
  }
  const zero = std.findIndex((s) => s === 0 || !Number.isFinite(s));
  if (zero >= 0) throw new OptionError(`normalize.std[${zero}]`, `must be finite and non-zero, got ${std[zero]}`);
  return (x) => {
    checkBatch('normalize', x);
    if (x.shape[3] !== mean.length) {
      throw new ShapeError('normalize', `input has ${x.shape[3]} channels but mean/std have ${mean.length}`);
    }
    return tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d(mean as number[])), tf.tensor1d(std as number[])));
  };
}
