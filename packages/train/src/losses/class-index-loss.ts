import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError, shapeString } from '@convkit/core';
import { smoothLabels } from '@convkit/regularization';
import { type Reduction, checkReduction } from './reduction';

export interface ClassLossOptions {
  /** Per-class weight, shape `[C]` (PyTorch's `weight`). */
  weight?: tf.Tensor | readonly number[];
  /** Targets equal to this are ignored: no loss, no gradient, not counted by `'mean'` (default -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/**
 * The shared core of `nllLoss` and `crossEntropy` with class-index targets, following
 * ATen's `nll_loss_nd` and `cross_entropy_loss_label_smoothing`: the loss of example i is
 * `-Σ_c w_c·q_ic·logp_ic` with `q = (1-ε)·onehot(y_i) + ε/C`, and `'mean'` divides the sum by
 * `Σ_i w_{y_i}` over non-ignored examples (the count when there are no weights). The class
 * dimension is the last one (NHWC), where PyTorch's is dim 1.
 */
export function classIndexLoss(
  where: string,
  logProbs: tf.Tensor,
  labels: tf.Tensor,
  options: ClassLossOptions,
  smoothing: number,
): tf.Tensor {
  const { ignoreIndex = -100 } = options;
  const reduction = checkReduction(where, options.reduction ?? 'mean');
  const numClasses = checkClassShapes(where, logProbs, labels);
  checkLabelValues(where, labels, numClasses, ignoreIndex);
  checkWeight(where, options.weight, numClasses);
  return tf.tidy(() => {
    const weight = toWeight(options.weight);
    const logp = tf.reshape(logProbs, [-1, numClasses]);
    const flat = tf.cast(tf.reshape(labels, [-1]), 'int32');
    const valid = tf.notEqual(flat, tf.scalar(ignoreIndex, 'int32'));
    const safe = tf.where(valid, flat, tf.zerosLike(flat)) as tf.Tensor1D;
    const validF = tf.cast(valid, 'float32');
    const q = smoothLabels(safe, numClasses, smoothing);
    const wq = weight ? tf.mul(q, weight) : q;
    const losses = tf.mul(tf.neg(tf.sum(tf.mul(wq, logp), -1)), validF);
    if (reduction === 'none') return tf.reshape(losses, labels.shape);
    if (reduction === 'sum') return tf.sum(losses);
    // All targets ignored gives 0/0 = NaN, as in PyTorch.
    const denominator = weight ? tf.sum(tf.mul(tf.gather(weight, safe), validF)) : tf.sum(validF);
    return tf.div(tf.sum(losses), denominator);
  });
}

/** Class-last logits `[..., C]` with labels `[...]`; returns C. */
function checkClassShapes(where: string, logProbs: tf.Tensor, labels: tf.Tensor): number {
  if (logProbs.rank < 2)
    throw new ShapeError(where, `input must be [N, C] (or [..., C], classes last), got ${shapeString(logProbs.shape)}`);
  const lead = logProbs.shape.slice(0, -1);
  if (labels.rank !== lead.length || labels.shape.some((d, i) => d !== lead[i])) {
    throw new ShapeError(
      where,
      `labels must be class indices of shape ${shapeString(lead)} for input ${shapeString(logProbs.shape)}, got ${shapeString(labels.shape)}`,
    );
  }
  return logProbs.shape[logProbs.rank - 1];
}

/**
 * tf.oneHot silently gives an all-zero row for an out-of-range index; PyTorch raises. Reading the
 * labels costs a small download but turns a silent wrong loss into an error.
 */
function checkLabelValues(where: string, labels: tf.Tensor, numClasses: number, ignoreIndex: number): void {
  const values = labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v === ignoreIndex) continue;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new OptionError(
        `${where}: labels[${i}]`,
        `must be an integer class index in [0, ${numClasses}) or ignoreIndex ${ignoreIndex}, got ${v}`,
      );
    }
  }
}

export function checkWeight(where: string, weight: tf.Tensor | readonly number[] | undefined, numClasses: number): void {
  if (weight === undefined) return;
  const shape = weight instanceof tf.Tensor ? weight.shape : [weight.length];
  if (shape.length !== 1 || shape[0] !== numClasses) {
    throw new ShapeError(`${where}.weight`, `must have one value per class, shape [${numClasses}], got ${shapeString(shape)}`);
  }
}

/** Call inside a tidy: a plain array becomes a tensor that the tidy disposes. */
export function toWeight(weight: tf.Tensor | readonly number[] | undefined): tf.Tensor1D | undefined {
  if (weight === undefined) return undefined;
  return (weight instanceof tf.Tensor ? weight : tf.tensor1d(weight as number[], 'float32')) as tf.Tensor1D;
}
