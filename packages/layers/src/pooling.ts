import type * as tf from '@tensorflow/tfjs-core';
import { adaptiveAvgPool2d, type AvgPool2dOptions, avgPool2d, flatten, maxPool2d, Module, type Pool2dOptions } from '@convkit/core';

/** `nn.MaxPool2d` (with `ceilMode`). */
export class MaxPool2d extends Module {
  constructor(readonly options: Pool2dOptions) {
    super();
  }

  override get typeName(): string {
    return 'MaxPool2d';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return maxPool2d(x as tf.Tensor4D, this.options);
  }
}

/** `nn.AvgPool2d` (with `ceilMode`, `countIncludePad`). */
export class AvgPool2d extends Module {
  constructor(readonly options: AvgPool2dOptions) {
    super();
  }

  override get typeName(): string {
    return 'AvgPool2d';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return avgPool2d(x as tf.Tensor4D, this.options);
  }
}

/** `nn.AdaptiveAvgPool2d`. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | [number | null, number | null]) {
    super();
  }

  override get typeName(): string {
    return 'AdaptiveAvgPool2d';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return adaptiveAvgPool2d(x as tf.Tensor4D, this.outputSize);
  }
}

/** `nn.Flatten` (from dim 1; H,W,C order on NHWC input). */
export class Flatten extends Module {
  constructor(readonly startDim = 1) {
    super();
  }

  override get typeName(): string {
    return 'Flatten';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return flatten(x, this.startDim);
  }
}
