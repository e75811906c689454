import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError, shapeString } from '@convkit/core';

/** Checks `[N, C]` scores against `[N]` labels; returns C. */
export function checkScores(where: string, scores: tf.Tensor, labels: tf.Tensor): number {
  if (scores.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== scores.shape[0]) {
    throw new ShapeError(where, `expected scores [N, C] and labels [N], got ${shapeString(scores.shape)} and ${shapeString(labels.shape)}`);
  }
  return scores.shape[1] as number;
}

/** Number of examples whose label is among the `k` highest scores, as a scalar tensor (no download). */
export function countTopK(scores: tf.Tensor, labels: tf.Tensor, k = 1): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.cast(labels, 'int32');
    if (k === 1) return tf.sum(tf.cast(tf.equal(tf.argMax(scores, 1), y), 'int32')) as tf.Scalar;
    const { indices } = tf.topk(scores, k);
    return tf.sum(tf.cast(tf.equal(indices, tf.expandDims(y, 1)), 'int32')) as tf.Scalar;
  });
}

/**
 * Top-k accuracy in [0, 1]: the fraction of examples whose label is among the `k` highest of
 * their scores (logits or probabilities `[N, C]`, labels `[N]`). Ties are broken by tfjs' topk
 * (lower index first), as `torch.topk` does on CPU.
 */
export function topKAccuracy(scores: tf.Tensor, labels: tf.Tensor, k: number): number {
  const numClasses = checkScores('topKAccuracy', scores, labels);
  if (!Number.isInteger(k) || k < 1 || k > numClasses)
    throw new OptionError('topKAccuracy.k', `must be an integer in [1, ${numClasses}], got ${k}`);
  if (scores.shape[0] === 0) return NaN;
  const count = countTopK(scores, labels, k);
  const n = count.dataSync()[0];
  count.dispose();
  return n / scores.shape[0];
}

/** Top-1 accuracy in [0, 1] (argmax of each row of `[N, C]` scores equals its label). */
export function accuracy(scores: tf.Tensor, labels: tf.Tensor): number {
  return topKAccuracy(scores, labels, 1);
}
