import type * as tf from '@tensorflow/tfjs-core';

/**
 * A transform maps an NHWC float32 batch to a new NHWC float32 batch. It never disposes its
 * input and always returns a tensor the caller owns (a clone when there is nothing to do), so
 * transforms compose without aliasing. Random transforms draw independently for every example,
 * so applying one to a batch equals applying it to each example.
 */
export type Transform = (x: tf.Tensor4D) => tf.Tensor4D;
