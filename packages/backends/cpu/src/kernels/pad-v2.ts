// PadV2 for rank-4 float32 tensors (the tfjs kernel for everything else).
import * as tf from '@tensorflow/tfjs-core';
import { f32, fallback, type FastKernel, type KernelArgs, size } from './common';

/** PadV2 for rank-4 float tensors: row copies instead of per-element index arithmetic. */
export const padV2: FastKernel = {
  kernelName: tf.PadV2,
  kernelFunc: (args: KernelArgs) => {
    const { x } = args.inputs;
    const attrs = args.attrs ?? {};
    const xv = f32(args.backend, x);
    const paddings = attrs.paddings as [number, number][];
    if (!xv || x.shape.length !== 4 || paddings.length !== 4) return fallback(tf.PadV2, args);
    const [N, H, W, C] = x.shape;
    const outShape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
    const [, OH, OW, OC] = outShape;
    const out = new Float32Array(size(outShape));
    const value = (attrs.constantValue as number) ?? 0;
    if (value !== 0) out.fill(value);
    for (let n = 0; n < N; n++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          const src = ((n * H + h) * W + w) * C;
          const dst = (((n + paddings[0][0]) * OH + h + paddings[1][0]) * OW + w + paddings[2][0]) * OC + paddings[3][0];
          out.set(xv.subarray(src, src + C), dst);
        }
      }
    }
    return args.backend.makeTensorInfo(outShape, 'float32', out);
  },
};
