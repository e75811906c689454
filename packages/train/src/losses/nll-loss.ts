import * as tf from '@tensorflow/tfjs-core';
import { type ClassLossOptions, classIndexLoss } from './class-index-loss';

/**
 * PyTorch's `F.nll_loss` on log-probabilities `[N, C]` (or `[..., C]`, classes last) and class
 * indices `[N]`: `-w_{y}·logp_{y}`, with `'mean'` dividing by the summed weights of the
 * non-ignored targets.
 */
export function nllLoss(logProbs: tf.Tensor, labels: tf.Tensor, options?: ClassLossOptions & { reduction?: 'mean' | 'sum' }): tf.Scalar;
export function nllLoss(logProbs: tf.Tensor, labels: tf.Tensor, options: ClassLossOptions): tf.Tensor;
export function nllLoss(logProbs: tf.Tensor, labels: tf.Tensor, options: ClassLossOptions = {}): tf.Tensor {
  return classIndexLoss('nllLoss', logProbs, labels, options, 0);
}
