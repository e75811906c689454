import * as tf from '@tensorflow/tfjs-core';
import { type Generator, Module } from '@convkit/core';
import { Activation, ReLU, Sigmoid } from './activations';
import { Conv2d } from './conv2d';
import { AdaptiveAvgPool2d } from './pooling';

export interface SqueezeExcitationOptions {
  activation?: () => Module;
  scaleActivation?: () => Module;
  /** Names of the two 1×1 convs: torchvision's `['fc1', 'fc2']` (default) or timm's `['conv_reduce', 'conv_expand']`. */
  names?: [reduce: string, expand: string];
  generator?: number | Generator;
}

/**
 * torchvision's `SqueezeExcitation`: global average → `fc1` (1×1 conv) → activation → `fc2`
 * → sigmoid, and the input is scaled per channel by the result.
 */
export class SqueezeExcitation extends Module {
  readonly avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
  readonly fc1: Conv2d;
  readonly fc2: Conv2d;
  readonly activation: Module;
  readonly scaleActivation: Module;

  constructor(
    inputChannels: number,
    squeezeChannels: number,
    {
      activation = () => new ReLU(),
      scaleActivation = () => new Sigmoid(),
      names = ['fc1', 'fc2'],
      generator,
    }: SqueezeExcitationOptions = {},
  ) {
    super();
    this.fc1 = this.registerModule(names[0], new Conv2d(inputChannels, squeezeChannels, 1, { generator }));
    this.fc2 = this.registerModule(names[1], new Conv2d(squeezeChannels, inputChannels, 1, { generator }));
    this.activation = this.registerModule('activation', activation());
    this.scaleActivation = this.registerModule('scale_activation', scaleActivation());
  }

  override get typeName(): string {
    return 'SqueezeExcitation';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const squeezed = this.avgpool.forward(x);
      const scale = this.convThen(this.fc2, this.scaleActivation, this.convThen(this.fc1, this.activation, squeezed));
      return tf.mul(x, scale);
    });
  }

  // In evaluation a plain activation runs in the conv's epilogue (one kernel where the backend fuses it).
  private convThen(conv: Conv2d, activation: Module, x: tf.Tensor): tf.Tensor {
    if (activation instanceof Activation && !this.training && !Module.tracing) return conv.forwardFolded(x, null, activation.kind);
    return activation.forward(conv.forward(x));
  }
}
