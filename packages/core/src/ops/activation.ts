import * as tf from '@tensorflow/tfjs-core';
import { UnknownNameError } from '../errors';
import { gelu } from './gelu';

export type ActivationName =
  | 'linear'
  | 'relu'
  | 'relu6'
  | 'sigmoid'
  | 'tanh'
  | 'silu'
  | 'swish'
  | 'hardsigmoid'
  | 'hardswish'
  | 'gelu'
  | 'gelu_tanh';

export const relu = (x: tf.Tensor): tf.Tensor => tf.relu(x);
export const relu6 = (x: tf.Tensor): tf.Tensor => tf.relu6(x);
export const sigmoid = (x: tf.Tensor): tf.Tensor => tf.sigmoid(x);
export const tanh = (x: tf.Tensor): tf.Tensor => tf.tanh(x);
/**
 * Kernels a backend may register for SiLU in one pass each way (convkit's CPU backend does):
 * `{x}` → `x·σ(x)`, and `{x, dy}` → `dy·σ(x)·(1 + x·(1 − σ(x)))`. Elsewhere SiLU is a sigmoid and a
 * multiply, and its gradient what autodiff makes of them.
 */
export const SiluKernel = 'ConvkitSilu';
export const SiluGradKernel = 'ConvkitSiluGrad';

const hasKernel = (name: string) => tf.getKernel(name, tf.getBackend()) !== undefined;

/** SiLU's gradient at `x` times `dy` (one kernel where the backend has it). */
export function siluGrad(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  if (hasKernel(SiluGradKernel)) return tf.engine().runKernel(SiluGradKernel, { x, dy }, {}) as tf.Tensor;
  return tf.tidy(() => {
    const s = tf.sigmoid(x);
    return tf.mul(dy, tf.mul(s, tf.add(1, tf.mul(x, tf.sub(1, s)))));
  });
}

/** `x · sigmoid(x)` (also called swish). */
export const silu = (x: tf.Tensor): tf.Tensor => {
  if (x.dtype !== 'float32' || !hasKernel(SiluKernel)) return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
  if (!tf.getGradient(SiluKernel)) {
    tf.registerGradient({
      kernelName: SiluKernel,
      inputsToSave: ['x'],
      gradFunc: (dy, [saved]) => ({ x: () => siluGrad(saved, dy as tf.Tensor) }),
    });
  }
  return tf.engine().runKernel(SiluKernel, { x }, {}) as tf.Tensor;
};
export const swish = silu;
/** PyTorch's hardsigmoid: `relu6(x + 3) / 6`. */
export const hardsigmoid = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.div(tf.relu6(tf.add(x, 3)), 6));

/**
 * Kernels a backend may register for hardswish in one pass each way (convkit's CPU backend does):
 * `{x}` → `x·relu6(x + 3)/6`, and `{x, dy}` → dy times PyTorch's derivative (0 below −3, x/3 + 1/2
 * up to 3, 1 above). Only `x` is kept for the backward pass either way.
 */
export const HardswishKernel = 'ConvkitHardswish';
export const HardswishGradKernel = 'ConvkitHardswishGrad';

/** Hardswish's gradient at `x` times `dy`, PyTorch's piecewise rule (one kernel where the backend has it). */
export function hardswishGrad(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  if (hasKernel(HardswishGradKernel)) return tf.engine().runKernel(HardswishGradKernel, { x, dy }, {}) as tf.Tensor;
  return tf.tidy(() => {
    const mid = tf.add(tf.div(x, 3), 0.5);
    return tf.mul(dy, tf.where(tf.less(x, -3), tf.zerosLike(x), tf.where(tf.lessEqual(x, 3), mid, tf.onesLike(x))));
  });
}

/** PyTorch's hardswish: `x · relu6(x + 3) / 6`. */
export const hardswish = (x: tf.Tensor): tf.Tensor => {
  const fused = x.dtype === 'float32' && hasKernel(HardswishKernel);
  const forward = (t: tf.Tensor) =>
    fused ? (tf.engine().runKernel(HardswishKernel, { x: t }, {}) as tf.Tensor) : tf.tidy(() => tf.mul(t, hardsigmoid(t)));
  // Autodiff of the composite would keep x, x + 3 and relu6(x + 3); this keeps x.
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([t]);
    return { value: forward(t), gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => hardswishGrad(saved, dy) };
  })(x);
};

const activations: Record<ActivationName, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  relu,
  relu6,
  sigmoid,
  tanh,
  silu,
  swish,
  hardsigmoid,
  hardswish,
  gelu: (x) => gelu(x),
  gelu_tanh: (x) => gelu(x, 'tanh'),
};

export const activationNames = Object.keys(activations) as ActivationName[];

/** Applies an activation by name; `'linear'` returns `x` itself. */
export function activation<T extends tf.Tensor>(x: T, name: ActivationName = 'linear'): T {
  const fn = activations[name];
  if (!fn) throw new UnknownNameError('activation', String(name), activationNames);
  return fn(x) as T;
}
