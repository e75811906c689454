import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '../errors';

/** PyTorch's `approximate`: the exact erf form (`'none'`, torch's default) or the tanh one. */
export type GeluApproximation = 'none' | 'tanh';

export interface GeluOptions {
  approximate?: GeluApproximation;
}

/**
 * Kernels a backend may register for GELU in one pass each way (convkit's CPU backend does):
 * `{x}` → `x·Φ(x)`, and `{x, dy}` → `dy·(Φ(x) + x·φ(x))` (or the derivatives of the tanh form),
 * attrs `{approximate}`. Elsewhere GELU is a chain of tfjs ops, differentiated op by op.
 */
export const GeluKernel = 'ConvkitGelu';
export const GeluGradKernel = 'ConvkitGeluGrad';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const hasKernel = (name: string) => tf.getKernel(name, tf.getBackend()) !== undefined;

function approximationOf(option: GeluApproximation | GeluOptions | undefined): GeluApproximation {
  const approximate = (typeof option === 'object' ? option.approximate : option) ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new OptionError('gelu', `approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  }
  return approximate;
}

/** GELU as tfjs ops (what runs on backends without {@link GeluKernel}). */
export function geluOps(x: tf.Tensor, approximate: GeluApproximation = 'none'): tf.Tensor {
  return tf.tidy(() => {
    if (approximate === 'tanh') {
      const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
    }
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
  });
}

/** GELU's gradient at `x` times `dy` (one kernel where the backend has it). */
export function geluGrad(x: tf.Tensor, dy: tf.Tensor, approximate: GeluApproximation = 'none'): tf.Tensor {
  if (hasKernel(GeluGradKernel)) return tf.engine().runKernel(GeluGradKernel, { x, dy }, { approximate }) as tf.Tensor;
  return tf.tidy(() => {
    if (approximate === 'tanh') {
      const x2 = tf.square(x);
      const t = tf.tanh(tf.mul(tf.mul(SQRT_2_OVER_PI, x), tf.add(1, tf.mul(0.044715, x2))));
      const dInner = tf.mul(SQRT_2_OVER_PI, tf.add(1, tf.mul(3 * 0.044715, x2)));
      const slope = tf.add(tf.mul(0.5, tf.add(1, t)), tf.mul(tf.mul(0.5, x), tf.mul(tf.sub(1, tf.square(t)), dInner)));
      return tf.mul(dy, slope);
    }
    const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
    const pdf = tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(x))));
    return tf.mul(dy, tf.add(cdf, tf.mul(x, pdf)));
  });
}

// The kernel's gradient, registered on first use (so importing core registers nothing).
function ensureGradient(): void {
  if (tf.getGradient(GeluKernel)) return;
  tf.registerGradient({
    kernelName: GeluKernel,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({ x: () => geluGrad(x, dy as tf.Tensor, attrs.approximate as GeluApproximation) }),
  });
}

/**
 * GELU, exact (`0.5·x·(1 + erf(x/√2))`, torch's default) or PyTorch's `approximate: 'tanh'` form;
 * the second argument is the approximation or `{ approximate }`.
 */
export function gelu(x: tf.Tensor, approximate?: GeluApproximation | GeluOptions): tf.Tensor {
  const mode = approximationOf(approximate);
  if (x.dtype !== 'float32' || !hasKernel(GeluKernel)) return geluOps(x, mode);
  ensureGradient();
  return tf.engine().runKernel(GeluKernel, { x }, { approximate: mode }) as tf.Tensor;
}
