import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError, shapeString } from '@convkit/core';

/** How per-element losses are combined, PyTorch's `reduction`. */
export type Reduction = 'mean' | 'sum' | 'none';

export function checkReduction(where: string, reduction: unknown): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new OptionError(`${where}.reduction`, `must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  }
  return reduction;
}

/** Applies a reduction to per-element losses; `'mean'` divides by the element count. */
export function reduce(losses: tf.Tensor, reduction: Reduction): tf.Tensor {
  if (reduction === 'none') return losses;
  return reduction === 'sum' ? tf.sum(losses) : tf.mean(losses);
}

export function checkSameShape(where: string, a: tf.Tensor, b: tf.Tensor, names: [string, string]): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(where, `${names[1]} must have the shape of ${names[0]} ${shapeString(a.shape)}, got ${shapeString(b.shape)}`);
  }
}

/** Broadcasting check for an optional per-element weight against the loss shape. */
export function checkBroadcastable(where: string, target: readonly number[], shape: readonly number[]): void {
  const ok = shape.length <= target.length && shape.every((d, i) => d === 1 || d === target[target.length - shape.length + i]);
  if (!ok) throw new ShapeError(where, `must broadcast to ${shapeString([...target])}, got ${shapeString([...shape])}`);
}
