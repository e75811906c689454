import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError } from '../errors';
import { shapeString } from '../validate';

export interface BatchNormParams {
  /** Per-channel scale γ `[C]` (omit for 1). */
  weight?: tf.Tensor1D | null;
  /** Per-channel shift β `[C]` (omit for 0). */
  bias?: tf.Tensor1D | null;
  eps?: number;
}

function check(where: string, x: tf.Tensor, named: Record<string, tf.Tensor | null | undefined>, eps: number): void {
  if (x.rank < 2) throw new ShapeError(where, `input must have a channel axis last (rank >= 2), got shape ${shapeString(x.shape)}`);
  const c = x.shape[x.rank - 1];
  for (const [name, t] of Object.entries(named)) {
    if (t && (t.rank !== 1 || t.shape[0] !== c)) {
      throw new ShapeError(where, `${name} must have shape [${c}] (the channel count), got ${shapeString(t.shape)}`);
    }
  }
  if (!(eps > 0)) throw new OptionError(where, `eps must be > 0, got ${eps}`);
}

function affine(normalised: tf.Tensor, { weight, bias }: BatchNormParams): tf.Tensor {
  const scaled = weight ? tf.mul(normalised, weight) : normalised;
  return bias ? tf.add(scaled, bias) : scaled;
}

/** Batch norm with given statistics (evaluation): `(x - mean) / sqrt(var + eps) · γ + β`, channels last. */
export function batchNorm(x: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, params: BatchNormParams = {}): tf.Tensor {
  const eps = params.eps ?? 1e-5;
  check('batchNorm', x, { mean, variance, weight: params.weight, bias: params.bias }, eps);
  return tf.tidy(() => affine(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), params));
}

export interface BatchStatistics {
  output: tf.Tensor;
  /** Batch mean per channel. */
  mean: tf.Tensor1D;
  /** Biased batch variance (used to normalise). */
  variance: tf.Tensor1D;
  /** Unbiased batch variance (what PyTorch feeds the running estimate). */
  unbiasedVariance: tf.Tensor1D;
}

/** Batch norm in training: normalises with the batch's own mean and biased variance over all axes but the last. */
export function batchNormTrain(x: tf.Tensor, params: BatchNormParams = {}): BatchStatistics {
  const eps = params.eps ?? 1e-5;
  check('batchNormTrain', x, { weight: params.weight, bias: params.bias }, eps);
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const count = x.size / x.shape[x.rank - 1];
  if (count < 2) {
    throw new ShapeError('batchNormTrain', `expected more than 1 value per channel when training, got input ${shapeString(x.shape)}`);
  }
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, axes);
    const output = affine(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), params);
    const unbiasedVariance = tf.mul(variance, count / (count - 1));
    return { output, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, unbiasedVariance: unbiasedVariance as tf.Tensor1D };
  });
}
