import * as tf from '@tensorflow/tfjs-core';
import { conv2d, type Generator, init, Module, OptionError, toPair, type ActivationName } from '@convkit/core';
import { padInput, type PaddingMode } from './pad';

export interface Conv2dOptions {
  stride?: number | [number, number];
  /** Symmetric padding like `nn.Conv2d(padding=…)`, or `'same'` / `'valid'`. */
  padding?: number | [number, number] | 'same' | 'valid';
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
  /** How the border is padded: `'zeros'` (default), `'reflect'`, `'replicate'` or `'circular'`. */
  paddingMode?: PaddingMode;
  /** Seed or generator for the initial weights. */
  generator?: number | Generator;
}

/**
 * `nn.Conv2d` on NHWC input. `weight` is stored `[kh,kw,in/groups,out]` (tfjs layout);
 * initialised like PyTorch (uniform ±1/√fanIn for weight and bias).
 */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null = null;
  readonly kernelSize: [number, number];
  readonly options: Readonly<Required<Omit<Conv2dOptions, 'generator' | 'bias'>>>;
  /** An activation applied in the same kernel call (set by BN folding / inference fusion). */
  fusedActivation: ActivationName = 'linear';

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | [number, number],
    { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, paddingMode = 'zeros', generator }: Conv2dOptions = {},
  ) {
    super();
    const where = 'Conv2d';
    for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['groups', groups]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new OptionError(where, `${name} must be a positive integer, got ${v}`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new OptionError(where, `inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${groups})`);
    }
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(paddingMode)) {
      throw new OptionError(where, `paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got '${paddingMode}'`);
    }
    this.kernelSize = toPair(where, 'kernelSize', kernelSize, 1);
    this.options = { stride, padding, dilation, groups, paddingMode };
    const [kh, kw] = this.kernelSize;
    const fanIn = (inChannels / groups) * kh * kw;
    this.weight = this.registerParameter('weight', init.defaultWeight([kh, kw, inChannels / groups, outChannels], fanIn, generator));
    if (bias) this.bias = this.registerParameter('bias', init.defaultWeight([outChannels], fanIn, generator));
  }

  override get typeName(): string {
    return 'Conv2d';
  }

  forward(x: tf.Tensor): tf.Tensor {
    const { stride, padding, dilation, groups, paddingMode } = this.options;
    return tf.tidy(() => {
      const zeroPadded = paddingMode === 'zeros' || padding === 'valid';
      const input = zeroPadded ? (x as tf.Tensor4D) : padInput(x as tf.Tensor4D, padding, this.kernelSize, dilation, paddingMode);
      return conv2d(input, this.weight as tf.Tensor4D, {
        stride,
        padding: zeroPadded ? padding : 0,
        dilation,
        groups,
        bias: this.bias as tf.Tensor1D | null,
        activation: this.fusedActivation,
      });
    });
  }
}
