import * as tf from '@tensorflow/tfjs-core';
import { type Generator, init, type Module } from '@convkit/core';
import { BatchNorm2d } from '@convkit/regularization';
import { Conv2d } from './conv2d';
import { Linear } from './linear';

function set(v: tf.Variable | null, value: tf.Tensor): void {
  if (v) v.assign(value);
  value.dispose();
}

export interface InitScheme {
  /** Conv weights: `'kaimingFanOut'` = N(0, 2/fanOut) (torchvision's ResNet, VGG, EfficientNet) or a custom maker. */
  conv?: 'kaimingFanOut' | ((shape: number[]) => tf.Tensor);
  /** Linear weights from their `[in, out]` shape. */
  linear?: (shape: number[]) => tf.Tensor;
  /** Zero the conv and linear biases (torchvision does for these architectures). */
  zeroBias?: boolean;
}

/** Re-initialises a model the way a torchvision architecture's constructor does; BN gets γ=1, β=0. */
export function initializeModel(model: Module, scheme: InitScheme, generator?: number | Generator): void {
  for (const [, m] of model.namedModules()) {
    if (m instanceof Conv2d && scheme.conv) {
      const [kh, kw, , out] = m.weight.shape;
      set(
        m.weight,
        scheme.conv === 'kaimingFanOut' ? init.kaimingNormal(m.weight.shape, out * kh * kw, generator) : scheme.conv(m.weight.shape),
      );
      if (scheme.zeroBias && m.bias) set(m.bias, tf.zeros(m.bias.shape));
    } else if (m instanceof Linear && scheme.linear) {
      set(m.weight, scheme.linear(m.weight.shape));
      if (scheme.zeroBias && m.bias) set(m.bias, tf.zeros(m.bias.shape));
    } else if (m instanceof BatchNorm2d) {
      if (m.weight) set(m.weight, tf.ones(m.weight.shape));
      if (m.bias) set(m.bias, tf.zeros(m.bias.shape));
    }
  }
}
