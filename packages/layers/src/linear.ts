import type * as tf from '@tensorflow/tfjs-core';
import { type Generator, init, linear, Module, OptionError } from '@convkit/core';

export interface LinearOptions {
  bias?: boolean;
  generator?: number | Generator;
  /**
   * Set when the input is an NHWC feature map flattened in H,W,C order whose PyTorch
   * counterpart was flattened C,H,W (VGG's classifier): the weight loader reorders the columns.
   */
  flattenedInput?: { height: number; width: number; channels: number };
}

/** `nn.Linear`; `weight` is stored `[in, out]` (tfjs layout, the transpose of PyTorch's). */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null = null;
  readonly flattenedInput?: { height: number; width: number; channels: number };

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    { bias = true, generator, flattenedInput }: LinearOptions = {},
  ) {
    super();
    for (const [name, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new OptionError('Linear', `${name} must be a positive integer, got ${v}`);
    }
    if (flattenedInput && flattenedInput.height * flattenedInput.width * flattenedInput.channels !== inFeatures) {
      throw new OptionError('Linear', `flattenedInput ${JSON.stringify(flattenedInput)} does not multiply to inFeatures ${inFeatures}`);
    }
    this.flattenedInput = flattenedInput;
    this.weight = this.registerParameter('weight', init.defaultWeight([inFeatures, outFeatures], inFeatures, generator));
    if (bias) this.bias = this.registerParameter('bias', init.defaultWeight([outFeatures], inFeatures, generator));
  }

  override get typeName(): string {
    return 'Linear';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return linear(x, this.weight as tf.Tensor2D, this.bias as tf.Tensor1D | null);
  }
}
