import { OptionError, ShapeError } from '@convkit/core';
import type * as tf from '@tensorflow/tfjs-core';

/** Throws unless `x` is an NHWC float32 batch — transforms are defined on nothing else. */
export function checkBatch(where: string, x: tf.Tensor): asserts x is tf.Tensor4D {
  if (x.rank !== 4) throw new ShapeError(where, `input must be rank 4 NHWC, got rank ${x.rank} shape [${x.shape.join(',')}]`);
  if (x.dtype !== 'float32') throw new ShapeError(where, `input must be float32 (use toTensor on uint8 images), got ${x.dtype}`);
}

/** `size` as `[height, width]`; a number means a square. */
export function toSize(where: string, size: number | readonly number[]): [number, number] {
  const pair = typeof size === 'number' ? [size, size] : [...size];
  if (pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v > 0)) {
    throw new OptionError(where, `size must be a positive integer or [height, width] of them, got ${JSON.stringify(size)}`);
  }
  return pair as [number, number];
}

/** A `[min, max]` range with min <= max (and > 0 when `positive`). */
export function toRange(where: string, value: readonly number[], positive: boolean): [number, number] {
  if (value.length !== 2 || !value.every(Number.isFinite) || value[0] > value[1] || (positive && value[0] <= 0)) {
    throw new OptionError(where, `must be [min, max] with min <= max${positive ? ' and min > 0' : ''}, got ${JSON.stringify(value)}`);
  }
  return [value[0], value[1]];
}

/** A probability in [0, 1]. */
export function assertProbability(where: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new OptionError(where, `must be a probability in [0, 1], got ${p}`);
}
