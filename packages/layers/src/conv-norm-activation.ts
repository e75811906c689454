import { type ActivationName, type Generator, Module } from '@convkit/core';
import { BatchNorm2d } from '@convkit/regularization';
import { ReLU } from './activations';
import { Conv2d } from './conv2d';
import type { ConvUnit } from './fold';
import { Sequential } from './sequential';

export interface ConvNormActivationOptions {
  stride?: number;
  /** Defaults to `(kernelSize - 1) / 2 · dilation`, which keeps the size at stride 1. */
  padding?: number;
  dilation?: number;
  groups?: number;
  /** Makes the norm layer; `null` for none (the conv then gets a bias). Default BatchNorm2d. */
  normLayer?: ((channels: number) => Module) | null;
  /** Makes the activation; `null` for none. Default ReLU. */
  activationLayer?: (() => Module) | null;
  /** Conv bias; defaults to true exactly when there is no norm layer. */
  bias?: boolean;
  generator?: number | Generator;
}

/**
 * torchvision's `Conv2dNormActivation`: a Sequential of conv (`0`), norm (`1`) and activation
 * (`2`, or `1` without a norm), so state-dict keys are `…0.weight`, `…1.running_mean`.
 */
export class ConvNormActivation extends Sequential {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize = 3,
    {
      stride = 1,
      dilation = 1,
      padding = Math.floor((kernelSize - 1) / 2) * dilation,
      groups = 1,
      normLayer = (c: number) => new BatchNorm2d(c),
      activationLayer = () => new ReLU(),
      bias,
      generator,
    }: ConvNormActivationOptions = {},
  ) {
    super(
      new Conv2d(inChannels, outChannels, kernelSize, { stride, padding, dilation, groups, bias: bias ?? normLayer === null, generator }),
    );
    if (normLayer) this.append(normLayer(outChannels));
    if (activationLayer) this.append(activationLayer());
  }

  override get typeName(): string {
    return 'Conv2dNormActivation';
  }
}

/** The unit of a `Conv2dNormActivation` (`0` conv, `1` norm), with the activation it runs. */
export function torchvisionUnit(cna: ConvNormActivation, activation: ActivationName): ConvUnit {
  return { conv: cna.at(0) as Conv2d, norm: cna.at(1) as BatchNorm2d, activation };
}
