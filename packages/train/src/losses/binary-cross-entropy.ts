import * as tf from '@tensorflow/tfjs-core';
import { type Reduction, checkBroadcastable, checkReduction, checkSameShape, reduce } from './reduction';

export interface BinaryCrossEntropyOptions {
  /** Weight of the positive term, broadcast along the last dimension (PyTorch's `pos_weight`, e.g. `[C]`). */
  posWeight?: tf.Tensor | readonly number[];
  /** Per-element rescaling, broadcast to the input's shape. */
  weight?: tf.Tensor | readonly number[];
  reduction?: Reduction;
}

/**
 * PyTorch's `F.binary_cross_entropy_with_logits`, computed stably as
 * `(1-t)·x + (1+(p-1)·t)·softplus(-x)`: no `log(sigmoid)` underflow for large |x|, and
 * softplus' registered gradient `sigmoid` makes the gradient exactly PyTorch's
 * `(1+(p-1)·t)·σ(x) - p·t` (an abs/max formulation has a wrong subgradient at x = 0).
 */
export function binaryCrossEntropyWithLogits(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options?: BinaryCrossEntropyOptions & { reduction?: 'mean' | 'sum' },
): tf.Scalar;
export function binaryCrossEntropyWithLogits(logits: tf.Tensor, targets: tf.Tensor, options: BinaryCrossEntropyOptions): tf.Tensor;
export function binaryCrossEntropyWithLogits(logits: tf.Tensor, targets: tf.Tensor, options: BinaryCrossEntropyOptions = {}): tf.Tensor {
  const where = 'binaryCrossEntropyWithLogits';
  const reduction = checkReduction(where, options.reduction ?? 'mean');
  checkSameShape(where, logits, targets, ['logits', 'targets']);
  const asTensor = (v: tf.Tensor | readonly number[]) => (v instanceof tf.Tensor ? v : tf.tensor1d(v as number[], 'float32'));
  for (const name of ['posWeight', 'weight'] as const) {
    const v = options[name];
    if (v !== undefined) checkBroadcastable(`${where}.${name}`, logits.shape, v instanceof tf.Tensor ? v.shape : [v.length]);
  }
  return tf.tidy(() => {
    const t = tf.cast(targets, 'float32');
    const softplusNeg = tf.softplus(tf.neg(logits));
    const logWeight = options.posWeight === undefined ? null : tf.add(tf.mul(tf.sub(asTensor(options.posWeight), 1), t), 1);
    let losses = tf.add(tf.mul(tf.sub(1, t), logits), logWeight ? tf.mul(logWeight, softplusNeg) : softplusNeg);
    if (options.weight !== undefined) losses = tf.mul(losses, asTensor(options.weight));
    return reduce(losses, reduction);
  });
}
