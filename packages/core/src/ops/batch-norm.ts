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

/**
 * Kernels a backend may register to run batch norm in training in a few passes (convkit's CPU
 * backend does); elsewhere it runs as tfjs ops, differentiated op by op. The gradient kernel is
 * optional too (without it the forward kernel's gradient runs as tfjs ops).
 * - `ConvkitBatchNormTrain`: inputs `{x, weight, bias}`, attrs `{epsilon}` → `[y, mean, variance]`.
 * - `ConvkitBatchNormTrainGrad`: inputs `{dy, x, mean, variance, weight}`, attrs `{epsilon}` →
 *   `[dx, dweight, dbias]`.
 * Statistics are over every axis but the last; the variance is the biased one.
 */
export const BatchNormTrainKernel = 'ConvkitBatchNormTrain';
export const BatchNormTrainGradKernel = 'ConvkitBatchNormTrainGrad';

function backendKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

// The forward kernel's gradient, registered on first use (so importing core registers nothing).
function ensureGradient(): void {
  if (tf.getGradient(BatchNormTrainKernel)) return;
  tf.registerGradient({
    kernelName: BatchNormTrainKernel,
    inputsToSave: ['x', 'weight'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [x, weight, mean, variance] = saved;
      const dy = Array.isArray(dys) ? dys[0] : dys;
      const [dx, dweight, dbias] = trainBackward(dy, x, mean, variance, weight, attrs.epsilon as number);
      return { x: () => dx, weight: () => dweight, bias: () => dbias };
    },
  });
}

// With x̂ = (x − μ)/σ: dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/σ · (dy − dβ/n − x̂·dγ/n).
function trainBackward(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, weight: tf.Tensor, epsilon: number): tf.Tensor[] {
  if (backendKernel(BatchNormTrainGradKernel)) {
    return tf.engine().runKernel(BatchNormTrainGradKernel, { dy, x, mean, variance, weight }, { epsilon }) as tf.Tensor[];
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const n = x.size / x.shape[x.rank - 1];
  const invStd = tf.rsqrt(tf.add(variance, epsilon));
  const normalised = tf.mul(tf.sub(x, mean), invStd);
  const dbias = tf.sum(dy, axes);
  const dweight = tf.sum(tf.mul(dy, normalised), axes);
  const centred = tf.sub(tf.sub(dy, tf.div(dbias, n)), tf.mul(normalised, tf.div(dweight, n)));
  return [tf.mul(centred, tf.mul(weight, invStd)), dweight, dbias];
}

/** Batch norm in training: normalises with the batch's own mean and biased variance over all axes but the last. */
export function batchNormTrain(x: tf.Tensor, params: BatchNormParams = {}): BatchStatistics {
  const eps = params.eps ?? 1e-5;
  check('batchNormTrain', x, { weight: params.weight, bias: params.bias }, eps);
  const channels = x.shape[x.rank - 1];
  const count = x.size / channels;
  if (count < 2) {
    throw new ShapeError('batchNormTrain', `expected more than 1 value per channel when training, got input ${shapeString(x.shape)}`);
  }
  return tf.tidy(() => {
    let output: tf.Tensor;
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (backendKernel(BatchNormTrainKernel)) {
      // One recorded kernel with an analytic gradient instead of the ~15 ops autodiff would chain.
      ensureGradient();
      const weight = params.weight ?? tf.ones([channels]);
      const bias = params.bias ?? tf.zeros([channels]);
      [output, mean, variance] = tf.engine().runKernel(BatchNormTrainKernel, { x, weight, bias }, { epsilon: eps }) as tf.Tensor[];
    } else {
      ({ mean, variance } = tf.moments(
        x,
        x.shape.slice(0, -1).map((_, i) => i),
      ));
      output = affine(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), params);
    }
    const unbiasedVariance = tf.mul(variance, count / (count - 1));
    return { output, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, unbiasedVariance: unbiasedVariance as tf.Tensor1D };
  });
}
