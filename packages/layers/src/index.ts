export { Conv2d, type Conv2dOptions } from './conv2d';
export type { PaddingMode } from './pad';
export { Linear, type LinearOptions } from './linear';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten } from './pooling';
export { Activation, ReLU, ReLU6, SiLU, Sigmoid, Tanh, Hardswish, Hardsigmoid, GELU, Identity } from './activations';
export { Sequential } from './sequential';
export { ConvNormActivation, type ConvNormActivationOptions } from './conv-norm-activation';
export { SqueezeExcitation, type SqueezeExcitationOptions } from './squeeze-excitation';
export { initializeModel, type InitScheme } from './init';
