import * as tf from '@tensorflow/tfjs-core';
import { type Generator, toGenerator } from './random';

/**
 * PyTorch's initialisers for tensors in tfjs layouts. `fanIn`/`fanOut` are passed explicitly
 * because tfjs layouts put the axes elsewhere than PyTorch's `[out, in, kh, kw]`.
 */
export const init = {
  uniform(shape: number[], low: number, high: number, generator?: number | Generator): tf.Tensor {
    return tf.randomUniform(shape, low, high, 'float32', toGenerator(generator).nextSeed());
  },
  normal(shape: number[], mean: number, std: number, generator?: number | Generator): tf.Tensor {
    return tf.randomNormal(shape, mean, std, 'float32', toGenerator(generator).nextSeed());
  },
  /** `kaiming_uniform_(w, a=√5)`, the default of `nn.Conv2d` and `nn.Linear`: U(±1/√fanIn). */
  defaultWeight(shape: number[], fanIn: number, generator?: number | Generator): tf.Tensor {
    const bound = 1 / Math.sqrt(fanIn);
    return init.uniform(shape, -bound, bound, generator);
  },
  /** `kaiming_normal_(w, mode, nonlinearity='relu')`: N(0, 2/fan). */
  kaimingNormal(shape: number[], fan: number, generator?: number | Generator): tf.Tensor {
    return init.normal(shape, 0, Math.sqrt(2 / fan), generator);
  },
  zeros: (shape: number[]): tf.Tensor => tf.zeros(shape),
  ones: (shape: number[]): tf.Tensor => tf.ones(shape),
};
