import * as tf from '@tensorflow/tfjs-core';
import {
  conv2d,
  explicitPadding,
  type Generator,
  init,
  Module,
  OptionError,
  type Padding,
  toPair,
  type ActivationName,
} from '@convkit/core';
import type { BatchNorm2d } from '@convkit/regularization';
import { padInput, type PaddingMode } from './pad';

/** `w·γ/√(var+eps)` per output channel and `(b − mean)·γ/√(var+eps) + β` (tfjs layout `[kh,kw,in,out]`). */
export function foldNorm(weight: tf.Tensor4D, bias: tf.Tensor1D | null, norm: BatchNorm2d): { weight: tf.Tensor4D; bias: tf.Tensor1D } {
  const scale = tf.mul(tf.rsqrt(tf.add(norm.runningVar as tf.Tensor1D, norm.eps)), norm.weight ?? 1);
  const shifted = tf.sub(bias ?? 0, norm.runningMean as tf.Tensor1D);
  return { weight: tf.mul(weight, scale), bias: tf.add(tf.mul(shifted, scale), norm.bias ?? 0) as tf.Tensor1D };
}

export interface Conv2dOptions {
  stride?: number | [number, number];
  /**
   * Symmetric padding like `nn.Conv2d(padding=…)`, `'same'` / `'valid'`, or `'tf-same'`:
   * TensorFlow's "SAME", computed from each input's size (timm's `Conv2dSame`).
   */
  padding?: Padding;
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
  /** BatchNorm folded into this conv's weight and bias for evaluation (see `convNormAct`). */
  private folded: { norm: BatchNorm2d; weight: tf.Tensor4D; bias: tf.Tensor1D } | null = null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | [number, number],
    { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, paddingMode = 'zeros', generator }: Conv2dOptions = {},
  ) {
    super();
    const where = 'Conv2d';
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
      ['groups', groups],
    ] as const) {
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
    if (this.training && this.bias) {
      // Bias as its own op: tfjs's fused conv computes the input gradient even when nothing
      // needs it (the network's input), the plain conv only on demand.
      return tf.tidy(() => tf.add(this.run(x, this.weight as tf.Tensor4D, null, 'linear'), this.bias as tf.Tensor1D));
    }
    return this.run(x, this.weight as tf.Tensor4D, this.bias as tf.Tensor1D | null, 'linear');
  }

  /**
   * This conv followed by `norm` (evaluation mode), an optional residual add and an activation,
   * as one conv: the norm is folded into a cached weight and bias, the add and activation fused.
   */
  forwardFolded(x: tf.Tensor, norm: BatchNorm2d | null, activation: ActivationName, residual: tf.Tensor | null = null): tf.Tensor {
    if (!norm) return this.run(x, this.weight as tf.Tensor4D, this.bias as tf.Tensor1D | null, activation, residual);
    let folded = this.folded;
    if (folded?.norm !== norm) {
      this.releaseInferenceCache();
      // Kept: the cache outlives the caller's tidy scope (released by releaseInferenceCache).
      const { weight, bias } = tf.tidy(() => foldNorm(this.weight as tf.Tensor4D, this.bias as tf.Tensor1D | null, norm));
      folded = { norm, weight: tf.keep(weight), bias: tf.keep(bias) };
      this.folded = folded;
    }
    return this.run(x, folded.weight, folded.bias, activation, residual);
  }

  protected override releaseInferenceCache(): void {
    if (this.folded) tf.dispose([this.folded.weight, this.folded.bias]);
    this.folded = null;
  }

  private run(
    x: tf.Tensor,
    weight: tf.Tensor4D,
    bias: tf.Tensor1D | null,
    activation: ActivationName,
    residual: tf.Tensor | null = null,
  ): tf.Tensor {
    const { stride, padding, dilation, groups, paddingMode } = this.options;
    return tf.tidy(() => {
      const zeroPadded = paddingMode === 'zeros' || padding === 'valid';
      const sizes: [number, number] = [x.shape[1] as number, x.shape[2] as number];
      const explicit = () =>
        explicitPadding(
          'Conv2d',
          padding,
          this.kernelSize,
          toPair('Conv2d', 'dilation', dilation, 1),
          toPair('Conv2d', 'stride', stride, 1),
          sizes,
        );
      const input = zeroPadded ? (x as tf.Tensor4D) : padInput(x as tf.Tensor4D, explicit(), paddingMode);
      return conv2d(input, weight, {
        stride,
        padding: zeroPadded ? padding : 0,
        dilation,
        groups,
        bias,
        activation,
        residual: residual as tf.Tensor4D | null,
      });
    });
  }
}
