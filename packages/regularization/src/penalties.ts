import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError, shapeString } from '@convkit/core';

/**
 * The L2 penalty `weightDecay/2 · Σ‖w‖²`; its gradient is `weightDecay · w`, which is what
 * PyTorch's `weight_decay` adds to each gradient in SGD.
 */
export function l2Penalty(parameters: readonly tf.Tensor[], weightDecay: number): tf.Scalar {
  if (!(weightDecay >= 0)) throw new OptionError('l2Penalty', `weightDecay must be >= 0, got ${weightDecay}`);
  return tf.tidy(() => tf.mul(weightDecay / 2, tf.addN(parameters.map((w) => tf.sum(tf.square(w))))) as tf.Scalar);
}

/**
 * Smoothed one-hot targets as PyTorch's `CrossEntropyLoss(label_smoothing=ε)` uses them:
 * `(1-ε)·onehot + ε/K`.
 */
export function smoothLabels(labels: tf.Tensor1D, numClasses: number, smoothing: number): tf.Tensor2D {
  if (!(smoothing >= 0 && smoothing <= 1)) throw new OptionError('smoothLabels', `smoothing must be in [0, 1], got ${smoothing}`);
  if (labels.rank !== 1 || labels.dtype !== 'int32') {
    throw new ShapeError('smoothLabels', `labels must be a 1-D int32 tensor, got ${labels.dtype} ${shapeString(labels.shape)}`);
  }
  return tf.tidy(() => tf.add(tf.mul(tf.oneHot(labels, numClasses), 1 - smoothing), smoothing / numClasses) as tf.Tensor2D);
}
