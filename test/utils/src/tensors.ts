// Tensors as the fixtures store them (JSON: shape + flat data, tfjs layouts). Browser-safe.
import * as tf from '@tensorflow/tfjs-core';

export interface EncodedTensor {
  shape: number[];
  data: number[];
}

export const toTensor = (e: EncodedTensor): tf.Tensor => tf.tensor(e.data, e.shape, 'float32');
