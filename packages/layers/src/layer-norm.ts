import * as tf from '@tensorflow/tfjs-core';
import { layerNorm, Module, OptionError, ShapeError, shapeString } from '@convkit/core';

export interface LayerNormOptions {
  eps?: number;
  /** Learnable `weight` and `bias` (PyTorch's `elementwise_affine`, default true). */
  elementwiseAffine?: boolean;
}

function positiveInteger(where: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new OptionError(where, `${name} must be a positive integer, got ${v}`);
}

/**
 * `nn.LayerNorm(normalized_shape)`: normalises over the input's last `normalizedShape.length`
 * axes with the biased variance; `weight` and `bias` have `normalizedShape`. The axes are the
 * tensor's own: on an NHWC map, `LayerNorm(C)` is torchvision's `LayerNorm2d(C)` (see that class).
 * A weight of rank 2 or 4 would be taken for a Linear or conv one by the layout conversions of
 * `@convkit/weights` and `@convkit/onnx`: torchvision's CNNs only use one normalised axis.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: tf.Variable | null = null;
  readonly bias: tf.Variable | null = null;

  constructor(normalizedShape: number | readonly number[], { eps = 1e-5, elementwiseAffine = true }: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0) throw new OptionError(this.typeName, 'normalizedShape must have at least one axis, got []');
    for (const d of this.normalizedShape) positiveInteger(this.typeName, 'normalizedShape', d);
    if (!(eps > 0)) throw new OptionError(this.typeName, `eps must be > 0, got ${eps}`);
    this.eps = eps;
    if (elementwiseAffine) {
      this.weight = this.registerParameter('weight', tf.ones(this.normalizedShape));
      this.bias = this.registerParameter('bias', tf.zeros(this.normalizedShape));
    }
  }

  override get typeName(): string {
    return 'LayerNorm';
  }

  /** A ShapeError unless `x` ends in the normalised shape. */
  protected checkInput(x: tf.Tensor): void {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(-k);
    if (x.rank < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError(
        this.typeName,
        `expected an input whose last axes are ${shapeString(this.normalizedShape)}, got ${shapeString(x.shape)}`,
      );
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    this.checkInput(x);
    if (this.normalizedShape.length === 1)
      return layerNorm(x, this.weight as tf.Tensor1D | null, this.bias as tf.Tensor1D | null, { eps: this.eps });
    // Several axes: one row of their product per position, normalised as one axis.
    return tf.tidy(() => {
      const n = this.normalizedShape.reduce((a, b) => a * b, 1);
      const flat = (t: tf.Variable | null) => (t ? (tf.reshape(t, [n]) as tf.Tensor1D) : null);
      const rows = tf.reshape(x, [...x.shape.slice(0, x.rank - this.normalizedShape.length), n]);
      return tf.reshape(layerNorm(rows, flat(this.weight), flat(this.bias), { eps: this.eps }), x.shape);
    });
  }
}

/**
 * torchvision's `LayerNorm2d(channels)` (ConvNeXt's stem and downsampling norm): layer norm over
 * the channels of each pixel. The activations are NHWC, so that is the last axis (torchvision
 * permutes its NCHW map to channels-last and back to do the same). `eps` defaults to ConvNeXt's
 * 1e-6; `weight` and `bias` are `[C]` as in torchvision.
 */
export class LayerNorm2d extends LayerNorm {
  constructor(
    readonly channels: number,
    { eps = 1e-6, elementwiseAffine = true }: LayerNormOptions = {},
  ) {
    positiveInteger('LayerNorm2d', 'channels', channels);
    super(channels, { eps, elementwiseAffine });
  }

  override get typeName(): string {
    return 'LayerNorm2d';
  }

  protected override checkInput(x: tf.Tensor): void {
    if (x.rank !== 4 || x.shape[3] !== this.channels) {
      throw new ShapeError(this.typeName, `expected an NHWC input [N,H,W,${this.channels}], got ${shapeString(x.shape)}`);
    }
  }
}
