import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors';
import { assertRank, shapeString } from '../validate';

/** `x·W + b` with `weight` in tfjs layout `[in, out]` (the transpose of `nn.Linear.weight`). */
export function linear(x: tf.Tensor, weight: tf.Tensor2D, bias?: tf.Tensor1D | null): tf.Tensor {
  const where = 'linear';
  assertRank(where, 'weight', weight, 2, '[in,out]');
  if (x.rank < 1) throw new ShapeError(where, `input must have rank >= 1, got a scalar`);
  const inFeatures = x.shape[x.rank - 1];
  const [wIn, wOut] = weight.shape;
  if (inFeatures !== wIn) {
    throw new ShapeError(
      where,
      `input ${shapeString(x.shape)} has ${inFeatures} features but weight ${shapeString(weight.shape)} expects ${wIn}`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== wOut)) {
    throw new ShapeError(where, `bias must have shape [${wOut}], got ${shapeString(bias.shape)}`);
  }
  return tf.tidy(() => {
    const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inFeatures]);
    const y = bias ? tf.add(tf.matMul(flat, weight), bias) : tf.matMul(flat, weight);
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), wOut]);
  });
}

/**
 * Flattens dims from `startDim` on (PyTorch's `torch.flatten(x, 1)` by default).
 * On an NHWC tensor the order is H,W,C — not PyTorch's C,H,W; the weight loader reorders for that.
 */
export function flatten(x: tf.Tensor, startDim = 1): tf.Tensor {
  if (!Number.isInteger(startDim) || startDim < 0 || startDim >= Math.max(x.rank, 1)) {
    throw new ShapeError(
      'flatten',
      `startDim must be in [0, ${Math.max(x.rank - 1, 0)}] for shape ${shapeString(x.shape)}, got ${startDim}`,
    );
  }
  const kept = x.shape.slice(0, startDim);
  return tf.reshape(x, [...kept, -1]);
}

function normaliseDim(where: string, x: tf.Tensor, dim: number): number {
  const d = dim < 0 ? dim + x.rank : dim;
  if (!Number.isInteger(d) || d < 0 || d >= x.rank) {
    throw new ShapeError(where, `dim ${dim} is out of range for shape ${shapeString(x.shape)}`);
  }
  return d;
}

/** Softmax along `dim` (default: the last). */
export function softmax(x: tf.Tensor, dim = -1): tf.Tensor {
  const d = normaliseDim('softmax', x, dim);
  return tf.tidy(() => tf.exp(logSoftmaxAlong(x, d)));
}

/** Log-softmax along `dim` (default: the last), numerically stable. */
export function logSoftmax(x: tf.Tensor, dim = -1): tf.Tensor {
  return logSoftmaxAlong(x, normaliseDim('logSoftmax', x, dim));
}

function logSoftmaxAlong(x: tf.Tensor, dim: number): tf.Tensor {
  return tf.tidy(() => {
    if (dim === x.rank - 1) return tf.logSoftmax(x);
    // The max shift cancels in the gradient, so it needs no special treatment.
    const shifted = tf.sub(x, tf.max(x, dim, true));
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), dim, true)));
  });
}
