import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError } from '../errors';
import { shapeString } from '../validate';

export interface LayerNormOptions {
  /** Added to the variance (PyTorch's `nn.LayerNorm` default 1e-5; ConvNeXt uses 1e-6). */
  eps?: number;
}

/**
 * Kernels a backend may register to run layer norm in one pass per row (convkit's CPU backend
 * does); elsewhere it runs as tfjs ops, differentiated op by op. Statistics are over the last
 * axis, the variance is the biased one; `mean` and `invStd` have `x`'s shape with a last axis of 1.
 * - `ConvkitLayerNorm`: inputs `{x, gamma, beta}`, attrs `{epsilon}` → `[y, mean, invStd]`.
 * - `ConvkitLayerNormGrad`: inputs `{dy, x, mean, invStd, gamma}` → `[dx, dgamma, dbeta]`.
 * The gradient kernel is optional (without it the forward kernel's gradient runs as tfjs ops).
 */
export const LayerNormKernel = 'ConvkitLayerNorm';
export const LayerNormGradKernel = 'ConvkitLayerNormGrad';

const hasKernel = (name: string) => tf.getKernel(name, tf.getBackend()) !== undefined;

// With x̂ = (x − μ)·r and g = dy·γ: dβ = Σ dy, dγ = Σ dy·x̂ (over rows), dx = r·(g − mean(g) − x̂·mean(g·x̂)) (over the row).
function layerNormBackward(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor, invStd: tf.Tensor, gamma: tf.Tensor): tf.Tensor[] {
  if (hasKernel(LayerNormGradKernel)) {
    return tf.engine().runKernel(LayerNormGradKernel, { dy, x, mean, invStd, gamma }, {}) as tf.Tensor[];
  }
  const rows = x.shape.slice(0, -1).map((_, i) => i);
  const normalised = tf.mul(tf.sub(x, mean), invStd);
  const g = tf.mul(dy, gamma);
  const centred = tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(normalised, tf.mean(tf.mul(g, normalised), -1, true)));
  return [tf.mul(centred, invStd), tf.sum(tf.mul(dy, normalised), rows), tf.sum(dy, rows)];
}

// The forward kernel's gradient, registered on first use (so importing core registers nothing).
function ensureGradient(): void {
  if (tf.getGradient(LayerNormKernel)) return;
  tf.registerGradient({
    kernelName: LayerNormKernel,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved) => {
      const [x, gamma, mean, invStd] = saved;
      const dy = Array.isArray(dys) ? dys[0] : dys;
      const [dx, dgamma, dbeta] = layerNormBackward(dy, x, mean, invStd, gamma);
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
}

function check(x: tf.Tensor, gamma: tf.Tensor | null | undefined, beta: tf.Tensor | null | undefined, eps: number): void {
  if (x.rank < 1) throw new ShapeError('layerNorm', `input must have at least one axis, got shape ${shapeString(x.shape)}`);
  const c = x.shape[x.rank - 1];
  for (const [name, t] of Object.entries({ gamma, beta })) {
    if (t && (t.rank !== 1 || t.shape[0] !== c)) {
      throw new ShapeError('layerNorm', `${name} must have shape [${c}] (the input's last axis), got ${shapeString(t.shape)}`);
    }
  }
  if (!(eps > 0)) throw new OptionError('layerNorm', `eps must be > 0, got ${eps}`);
}

/** Layer norm as tfjs ops (what runs on backends without {@link LayerNormKernel}). */
export function layerNormOps(
  x: tf.Tensor,
  gamma?: tf.Tensor1D | null,
  beta?: tf.Tensor1D | null,
  { eps = 1e-5 }: LayerNormOptions = {},
): tf.Tensor {
  check(x, gamma, beta, eps);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    const scaled = gamma ? tf.mul(normalised, gamma) : normalised;
    return beta ? tf.add(scaled, beta) : scaled;
  });
}

/**
 * `F.layer_norm` over the last axis: `(x − mean) / sqrt(var + eps) · γ + β` with the biased
 * variance of each row, as PyTorch. On an NHWC map this is torchvision's `LayerNorm2d` (the
 * channels of NCHW); `γ` and `β` are `[C]` (omit for 1 and 0).
 */
export function layerNorm(x: tf.Tensor, gamma?: tf.Tensor1D | null, beta?: tf.Tensor1D | null, options: LayerNormOptions = {}): tf.Tensor {
  const eps = options.eps ?? 1e-5;
  if (x.dtype !== 'float32' || !hasKernel(LayerNormKernel)) return layerNormOps(x, gamma, beta, { eps });
  check(x, gamma, beta, eps);
  ensureGradient();
  return tf.tidy(() => {
    const c = x.shape[x.rank - 1];
    const inputs = { x, gamma: gamma ?? tf.ones([c]), beta: beta ?? tf.zeros([c]) };
    // One recorded kernel with an analytic gradient instead of the ~10 ops autodiff would chain.
    const [y] = tf.engine().runKernel(LayerNormKernel, inputs, { epsilon: eps }) as tf.Tensor[];
    return y;
  });
}
