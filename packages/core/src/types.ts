import type * as tf from '@tensorflow/tfjs-core';

/** An activation tensor in convkit's layout: `[batch, height, width, channels]`. */
export type NHWCTensor = tf.Tensor4D;

/** A shape `[N, H, W, C]`. */
export type NHWCShape = [number, number, number, number];

export type { Tensor, Tensor1D, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs-core';
