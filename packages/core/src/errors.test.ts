import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ConvkitError, OptionError, ShapeError, UnknownNameError } from './errors';
import { conv2dParamCount, convOutputSize } from './formulas';
import { activation, type ActivationName } from './ops/activation';
import { batchNorm, batchNormTrain } from './ops/batch-norm';
import { conv2d, depthwiseConv2d } from './ops/conv';
import { dropout } from './ops/dropout';
import { flatten, linear, softmax } from './ops/linear';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from './ops/pool';

/** Runs `fn` (its argument tensors are tidied), expects a convkit error of `type` whose message matches. */
function expectError(fn: () => unknown, type: new (...args: never[]) => ConvkitError, message: RegExp): void {
  let caught: unknown;
  tf.tidy(() => {
    try {
      fn();
    } catch (e) {
      caught = e;
    }
  });
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toMatch(message);
}

describe('bad input is rejected before any kernel runs', () => {
  const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
  const w = tf.zeros([3, 3, 3, 4]) as tf.Tensor4D;

  it('conv2d', () => {
    expectError(
      () => conv2d(tf.zeros([8, 8, 3]) as never, w),
      ShapeError,
      /conv2d: input must be rank 4 NHWC .* got rank 3 shape \[8,8,3\]/,
    );
    expectError(
      () => conv2d(x, tf.zeros([3, 3, 2, 4]) as tf.Tensor4D),
      ShapeError,
      /input has 3 channels but weight \[3,3,2,4\] with groups=1 expects 2/,
    );
    expectError(() => conv2d(x, w, { stride: 0 }), OptionError, /stride must be an integer >= 1.*got 0/);
    expectError(() => conv2d(x, w, { padding: -1 }), OptionError, /padding must be an integer >= 0/);
    expectError(() => conv2d(x, w, { padding: 'same', stride: 2 }), OptionError, /'same' needs stride 1/);
    expectError(() => conv2d(x, w, { dilation: 1.5 }), OptionError, /dilation/);
    expectError(() => conv2d(x, w, { groups: 2 }), ShapeError, /groups=2/);
    expectError(() => conv2d(x, w, { bias: tf.zeros([3]) as tf.Tensor1D }), ShapeError, /bias must have shape \[4\], got \[3\]/);
    expectError(() => conv2d(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, w), ShapeError, /too small/);
    expectError(() => depthwiseConv2d(x, tf.zeros([3, 3, 2, 1]) as tf.Tensor4D), ShapeError, /channels/);
  });

  it('pooling', () => {
    expectError(() => maxPool2d(x, { kernelSize: 0 }), OptionError, /kernelSize must be an integer >= 1/);
    expectError(() => maxPool2d(x, { kernelSize: 2, padding: 2 }), OptionError, /at most half the kernel size/);
    expectError(() => maxPool2d(x, { kernelSize: 9 }), ShapeError, /too small/);
    expectError(() => avgPool2d(x, { kernelSize: 2, divisorOverride: 0 }), OptionError, /divisorOverride/);
    expectError(() => maxPool2d(x, undefined as never), OptionError, /kernelSize is required/);
    expectError(() => adaptiveAvgPool2d(x, 0), OptionError, /outputSize/);
  });

  it('linear, flatten, softmax, batch norm, dropout, activation', () => {
    expectError(() => linear(tf.zeros([2, 5]), tf.zeros([4, 3]) as tf.Tensor2D), ShapeError, /has 5 features but weight \[4,3\] expects 4/);
    expectError(() => flatten(x, 4), ShapeError, /startDim/);
    expectError(() => softmax(tf.zeros([2, 3]), 2), ShapeError, /dim 2 is out of range/);
    expectError(() => batchNorm(x, tf.zeros([4]) as tf.Tensor1D, tf.ones([3]) as tf.Tensor1D), ShapeError, /mean must have shape \[3\]/);
    expectError(() => batchNormTrain(tf.zeros([1, 1, 1, 3])), ShapeError, /more than 1 value per channel/);
    expectError(() => dropout(x, 1), OptionError, /p must be in \[0, 1\), got 1/);
    expectError(() => dropout(x, -0.1), OptionError, /p must be in \[0, 1\)/);
    expectError(() => activation(x, 'mish' as ActivationName), UnknownNameError, /unknown name 'mish'; known: linear, relu/);
  });

  it('formulas', () => {
    expect(() => convOutputSize(0, 3)).toThrow(OptionError);
    expect(() => conv2dParamCount({ inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2 })).toThrow(/divisible by groups/);
  });
});
