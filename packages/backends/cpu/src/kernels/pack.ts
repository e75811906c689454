// Pack on a new last axis (ShuffleNetV2's concat-and-shuffle, `tf.stack([a, b], rank)`): the
// inputs interleaved value by value in one loop, instead of tfjs-cpu's expandDims + concat.
import { sameShape } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { f32, fallback, type FastKernel, type KernelArgs, size } from './common';

export const pack: FastKernel = {
  kernelName: tf.Pack,
  kernelFunc: (args: KernelArgs) => {
    const inputs = Object.values(args.inputs);
    const shape = inputs[0]?.shape ?? [];
    const axis = Number(args.attrs?.axis ?? 0);
    const values = inputs.map((t) => f32(args.backend, t));
    const uniform = inputs.every((t) => sameShape(t.shape, shape));
    if (inputs.length < 2 || axis !== shape.length || !uniform || values.some((v) => !v)) return fallback(tf.Pack, args);
    const k = inputs.length;
    const n = size(shape);
    const out = new Float32Array(n * k);
    values.forEach((v, j) => {
      const src = v as Float32Array;
      for (let i = 0, o = j; i < n; i++, o += k) out[o] = src[i];
    });
    return args.backend.makeTensorInfo([...shape, k], 'float32', out);
  },
};
