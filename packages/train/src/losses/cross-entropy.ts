import * as tf from '@tensorflow/tfjs-core';
import { logSoftmax, OptionError, ShapeError, shapeString } from '@convkit/core';
import { type ClassLossOptions, checkWeight, classIndexLoss, toWeight } from './class-index-loss';
import { checkReduction } from './reduction';

export interface CrossEntropyOptions extends ClassLossOptions {
  /** ε of PyTorch's `label_smoothing`: the target becomes `(1-ε)·onehot + ε/C` (default 0). */
  labelSmoothing?: number;
}

/**
 * PyTorch's `F.cross_entropy` with the class dimension last: `logits` `[N, C]` (or `[..., C]`).
 * `labels` are either class indices of shape `[N]` (`[...]`), honouring `weight`,
 * `ignoreIndex` and `labelSmoothing` exactly as PyTorch does (the weighted mean divides by the
 * summed weights of the targets, smoothing included), or class probabilities of the logits'
 * shape (float), where `'mean'` divides by the number of examples as PyTorch does.
 */
export function crossEntropy(
  logits: tf.Tensor,
  labels: tf.Tensor,
  options?: CrossEntropyOptions & { reduction?: 'mean' | 'sum' },
): tf.Scalar;
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, options: CrossEntropyOptions): tf.Tensor;
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, options: CrossEntropyOptions = {}): tf.Tensor {
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new OptionError('crossEntropy.labelSmoothing', `must be in [0, 1], got ${smoothing}`);
  const probabilities = labels.rank === logits.rank && labels.dtype === 'float32' && logits.rank >= 2;
  if (!probabilities) return tf.tidy(() => classIndexLoss('crossEntropy', logSoftmax(logits), labels, options, smoothing));
  return probabilityTargetLoss(logits, labels, options, smoothing);
}

/** ATen's `cross_entropy_loss_prob_target`: soft targets, no ignoreIndex. */
function probabilityTargetLoss(logits: tf.Tensor, targets: tf.Tensor, options: CrossEntropyOptions, smoothing: number): tf.Tensor {
  const where = 'crossEntropy';
  const reduction = checkReduction(where, options.reduction ?? 'mean');
  if (logits.shape.some((d, i) => d !== targets.shape[i])) {
    throw new ShapeError(
      where,
      `probability targets must have the logits' shape ${shapeString(logits.shape)}, got ${shapeString(targets.shape)}`,
    );
  }
  const numClasses = logits.shape[logits.rank - 1];
  checkWeight(where, options.weight, numClasses);
  return tf.tidy(() => {
    const weight = toWeight(options.weight);
    const q = smoothing > 0 ? tf.add(tf.mul(targets, 1 - smoothing), smoothing / numClasses) : targets;
    const wq = weight ? tf.mul(q, weight) : q;
    const losses = tf.neg(tf.sum(tf.mul(wq, logSoftmax(logits)), -1));
    if (reduction === 'none') return losses;
    return reduction === 'sum' ? tf.sum(losses) : tf.mean(losses);
  });
}
