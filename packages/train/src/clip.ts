import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';

/**
 * `torch.nn.utils.clip_grad_norm_` on the gradient map of `tf.variableGrads`: the total norm
 * of all gradients together (`normType` 2 by default, `Infinity` for the max-abs norm); if it
 * exceeds `maxNorm` every gradient is scaled by `maxNorm / (norm + 1e-6)`. Like PyTorch's
 * in-place version, the map's entries are replaced (old tensors disposed). Returns the norm
 * before clipping.
 */
export function clipGradNorm(grads: tf.NamedTensorMap, maxNorm: number, normType = 2): number {
  if (!(maxNorm >= 0)) throw new OptionError('clipGradNorm.maxNorm', `must be a number >= 0, got ${maxNorm}`);
  if (!(normType > 0)) throw new OptionError('clipGradNorm.normType', `must be > 0 or Infinity, got ${normType}`);
  const keys = Object.keys(grads);
  if (keys.length === 0) return 0;
  const norm = tf.tidy(() => {
    if (normType === Infinity) return tf.max(tf.stack(keys.map((k) => tf.max(tf.abs(grads[k])))));
    const perTensor = keys.map((k) => tf.pow(tf.sum(tf.pow(tf.abs(grads[k]), normType)), 1 / normType));
    return tf.pow(tf.sum(tf.pow(tf.stack(perTensor), normType)), 1 / normType);
  });
  const total = norm.dataSync()[0];
  norm.dispose();
  const coef = maxNorm / (total + 1e-6);
  // PyTorch multiplies by min(coef, 1); a factor of exactly 1 changes nothing, so skip it.
  if (coef < 1) {
    for (const k of keys) {
      const old = grads[k];
      grads[k] = tf.tidy(() => tf.mul(old, coef));
      old.dispose();
    }
  }
  return total;
}

/** `torch.nn.utils.clip_grad_value_`: clamps every gradient to [-clipValue, clipValue], in the map. */
export function clipGradValue(grads: tf.NamedTensorMap, clipValue: number): void {
  if (!(clipValue >= 0)) throw new OptionError('clipGradValue.clipValue', `must be a number >= 0, got ${clipValue}`);
  for (const k of Object.keys(grads)) {
    const old = grads[k];
    grads[k] = tf.clipByValue(old, -clipValue, clipValue);
    old.dispose();
  }
}
