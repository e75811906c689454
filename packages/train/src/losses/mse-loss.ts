import * as tf from '@tensorflow/tfjs-core';
import { type Reduction, checkReduction, checkSameShape, reduce } from './reduction';

/** PyTorch's `F.mse_loss`: `(input - target)²`, reduced (default `'mean'` over all elements). */
export function mseLoss(input: tf.Tensor, target: tf.Tensor, options?: { reduction?: 'mean' | 'sum' }): tf.Scalar;
export function mseLoss(input: tf.Tensor, target: tf.Tensor, options: { reduction?: Reduction }): tf.Tensor;
export function mseLoss(input: tf.Tensor, target: tf.Tensor, options: { reduction?: Reduction } = {}): tf.Tensor {
  const reduction = checkReduction('mseLoss', options.reduction ?? 'mean');
  checkSameShape('mseLoss', input, target, ['input', 'target']);
  return tf.tidy(() => reduce(tf.squaredDifference(input, tf.cast(target, input.dtype)), reduction));
}
