// SplitV along the last axis (ShuffleNetV2's channel split): one typed-array copy per pixel row
// and part, instead of tfjs-cpu's slice with index arithmetic per element (50–70 ms a split).
import * as tf from '@tensorflow/tfjs-core';
import { f32, fallback, type FastKernel, type KernelArgs, size } from './common';

export const splitV: FastKernel = {
  kernelName: tf.SplitV,
  kernelFunc: (args: KernelArgs) => {
    const { x } = args.inputs;
    const xv = f32(args.backend, x);
    const rank = x.shape.length;
    const axis = Number(args.attrs?.axis ?? 0);
    const sizes = args.attrs?.numOrSizeSplits as number | number[];
    if (!xv || rank < 2 || (axis !== rank - 1 && axis !== -1)) return fallback(tf.SplitV, args);
    const channels = x.shape[rank - 1];
    // tf.split(x, 2) hands the kernel the count; tfjs then splits evenly.
    const parts = typeof sizes === 'number' ? Array<number>(sizes).fill(channels / sizes) : sizes;
    if (parts.reduce((a, b) => a + b, 0) !== channels || parts.some((c) => !Number.isInteger(c) || c < 0)) return fallback(tf.SplitV, args);
    const lead = x.shape.slice(0, -1);
    const rows = size(lead);
    let offset = 0;
    return parts.map((c) => {
      const out = new Float32Array(rows * c);
      for (let r = 0, src = offset; r < rows; r++, src += channels) out.set(xv.subarray(src, src + c), r * c);
      offset += c;
      return args.backend.makeTensorInfo([...lead, c], 'float32', out);
    });
  },
};
