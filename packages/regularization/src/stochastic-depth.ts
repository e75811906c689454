import * as tf from '@tensorflow/tfjs-core';
import { type Generator, Module, OptionError, toGenerator } from '@convkit/core';

/**
 * torchvision's `StochasticDepth`: drops the whole residual branch with probability `p`,
 * per example (`'row'`) or for the whole batch (`'batch'`), scaling survivors by `1/(1-p)`.
 */
export function stochasticDepth(
  x: tf.Tensor,
  p: number,
  mode: 'row' | 'batch',
  training = true,
  generator?: number | Generator,
): tf.Tensor {
  if (!(p >= 0 && p <= 1)) throw new OptionError('stochasticDepth', `p must be in [0, 1], got ${p}`);
  if (mode !== 'row' && mode !== 'batch') throw new OptionError('stochasticDepth', `mode must be 'row' or 'batch', got '${mode}'`);
  if (!training || p === 0) return tf.clone(x);
  const survival = 1 - p;
  const shape = [mode === 'row' ? x.shape[0] : 1, ...x.shape.slice(1).map(() => 1)];
  const seed = toGenerator(generator).nextSeed();
  return tf.tidy(() => {
    const keep = tf.cast(tf.less(tf.randomUniform(shape, 0, 1, 'float32', seed), survival), 'float32');
    return tf.mul(x, survival > 0 ? tf.div(keep, survival) : keep);
  });
}

export class StochasticDepth extends Module {
  constructor(
    readonly p: number,
    readonly mode: 'row' | 'batch',
    private readonly generator?: number | Generator,
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new OptionError('StochasticDepth', `p must be in [0, 1], got ${p}`);
    if (mode !== 'row' && mode !== 'batch') throw new OptionError('StochasticDepth', `mode must be 'row' or 'batch', got '${mode}'`);
  }

  override get typeName(): string {
    return 'StochasticDepth';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return stochasticDepth(x, this.p, this.mode, this.training, this.generator);
  }
}
