// NHWC max pooling and global average pooling (wasm SIMD), other average pooling in plain JS
// (channel-contiguous loops).
import * as tf from '@tensorflow/tfjs-core';
import { channelSums, SumMode } from '../wasm/batch-norm';
import { engine, f32, fallback, type FastKernel, forEachWindow, type KernelArgs, outputTensor, poolInfo, size } from './common';

/** In wasm SIMD: JS max compares mispredict on unordered activations. NaN never wins, as in tfjs. */
export const maxPool: FastKernel = {
  kernelName: tf.MaxPool,
  kernelFunc: (args: KernelArgs) => {
    const { x } = args.inputs;
    const xv = f32(args.backend, x);
    if (!xv || x.shape.length !== 4) return fallback(tf.MaxPool, args);
    const info = poolInfo(x, args.attrs);
    const e = engine();
    e.reset();
    const xp = e.input(xv);
    const n = size(info.outShape);
    const y = e.output(n);
    const params = [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth];
    const window = [info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
    e.run('maxPool', [xp, ...params, ...window, y, 0], n * info.filterHeight * info.filterWidth >= 1 << 15);
    return outputTensor(args.backend, e, y, info.outShape);
  },
};

/** Global average pooling (one window over each whole image): per-channel sums in wasm. */
function globalAvgPool(args: KernelArgs, xv: Float32Array, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C } = info;
  const e = engine();
  e.reset();
  const xp = e.input(xv);
  const out = new Float32Array(N * C);
  for (let n = 0; n < N; n++) {
    const [sums] = channelSums(e, SumMode.sum, xp + n * H * W * C * 4, 0, 0, H * W, C);
    for (let c = 0; c < C; c++) out[n * C + c] = sums[c] / (H * W);
  }
  return args.backend.makeTensorInfo(info.outShape, 'float32', out);
}

/** Averages over the taps inside the input (padding is not counted), as tfjs does. */
export const avgPool: FastKernel = {
  kernelName: tf.AvgPool,
  kernelFunc: (args: KernelArgs) => {
    const { x } = args.inputs;
    const xv = f32(args.backend, x);
    if (!xv || x.shape.length !== 4) return fallback(tf.AvgPool, args);
    const info = poolInfo(x, args.attrs);
    const whole = info.outHeight === 1 && info.outWidth === 1 && info.filterHeight === info.inHeight && info.filterWidth === info.inWidth;
    if (whole && info.padInfo.top === 0 && info.padInfo.left === 0) return globalAvgPool(args, xv, info);
    const { inWidth: W, inChannels: C } = info;
    const out = new Float32Array(size(info.outShape));
    const acc = new Float32Array(C);
    forEachWindow(info, (o, first, h0, h1, w0, w1) => {
      acc.fill(0);
      for (let h = h0; h < h1; h++) {
        for (let w = w0; w < w1; w++) {
          const base = (first + h * W + w) * C;
          for (let c = 0; c < C; c++) acc[c] += xv[base + c];
        }
      }
      const count = (h1 - h0) * (w1 - w0);
      for (let c = 0; c < C; c++) out[o + c] = acc[c] / count;
    });
    return args.backend.makeTensorInfo(info.outShape, 'float32', out);
  },
};
