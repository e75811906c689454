import * as tf from '@tensorflow/tfjs-core';
import { Module, OptionError, ShapeError, shapeString } from '@convkit/core';

/**
 * A layer-scale parameter's initial value: `init` for each of `channels`, shaped `[C,1,1]` as
 * torchvision's ConvNeXt `CNBlock.layer_scale`. The shape is kept in tfjs too: rank 3 is the same
 * in both layouts (`parameterConversion` leaves it as is), so a torchvision checkpoint loads and
 * saves without a special case. A block that owns the parameter itself (torchvision's key
 * `features.1.0.layer_scale`) registers this and calls {@link applyLayerScale}.
 */
export function layerScaleInit(channels: number, init = 1e-6, where = 'LayerScale'): tf.Tensor3D {
  if (!Number.isInteger(channels) || channels < 1) throw new OptionError(where, `channels must be a positive integer, got ${channels}`);
  if (!Number.isFinite(init)) throw new OptionError(where, `init must be a finite number, got ${init}`);
  return tf.fill([channels, 1, 1], init) as tf.Tensor3D;
}

/** `x · scale` per channel of an NHWC map `x`, with `scale` `[C,1,1]` (see {@link layerScaleInit}). */
export function applyLayerScale(x: tf.Tensor, scale: tf.Tensor, where = 'LayerScale'): tf.Tensor {
  const channels = scale.shape[0];
  if (x.rank !== 4 || x.shape[3] !== channels) {
    throw new ShapeError(where, `expected an NHWC input [N,H,W,${channels}], got ${shapeString(x.shape)}`);
  }
  return tf.tidy(() => tf.mul(x, tf.reshape(scale, [channels])));
}

/**
 * A learnable per-channel scale, `layer_scale · x` (ConvNeXt's layer scale, "LayerScale" in the
 * paper, initialised small so that a residual block starts close to the identity). Its parameter
 * is `layer_scale`, `[C,1,1]` in both layouts, as torchvision's `CNBlock` has it.
 */
export class LayerScale extends Module {
  readonly scale: tf.Variable;

  constructor(
    readonly channels: number,
    init = 1e-6,
  ) {
    super();
    this.scale = this.registerParameter('layer_scale', layerScaleInit(channels, init));
  }

  override get typeName(): string {
    return 'LayerScale';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return applyLayerScale(x, this.scale, this.typeName);
  }
}
