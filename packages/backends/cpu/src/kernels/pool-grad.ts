// MaxPoolGrad (wasm SIMD) and AvgPoolGrad (plain JS) for NHWC float32 (any window, stride,
// 'same' / 'valid' / numeric / explicit padding, rounding mode): one pass over the output
// windows, scattering dy into dx. tfjs-backend-cpu first builds an argmax buffer and then, for
// every dx element, searches every window that could contain it.
import * as tf from '@tensorflow/tfjs-core';
import { engine, f32, fallback, type FastKernel, forEachWindow, type KernelArgs, outputTensor, poolInfo } from './common';

/**
 * dx with float64 accumulation when windows overlap (tfjs sums each dx element's contributions
 * in double before rounding), plain float32 otherwise.
 */
function accumulator(info: tf.backend_util.Conv2DInfo, n: number): Float32Array | Float64Array {
  const overlap = info.strideHeight < info.filterHeight || info.strideWidth < info.filterWidth;
  return overlap ? new Float64Array(n) : new Float32Array(n);
}

function finish(args: KernelArgs, x: tf.TensorInfo, dx: Float32Array | Float64Array): tf.TensorInfo {
  const out = dx instanceof Float32Array ? dx : Float32Array.from(dx);
  return args.backend.makeTensorInfo(x.shape, 'float32', out);
}

/**
 * In wasm SIMD. The gradient goes to the first maximum of each window in row-major (h, then w)
 * order, as in tfjs (and PyTorch): a later equal value does not take it. NaN never wins; a
 * window with no value above -Infinity passes no gradient, as in tfjs. Overlapping windows
 * add up in float32 (as PyTorch does; tfjs adds in double).
 */
export const maxPoolGrad: FastKernel = {
  kernelName: tf.MaxPoolGrad,
  kernelFunc: (args: KernelArgs) => {
    const { dy, input } = args.inputs;
    const xv = f32(args.backend, input);
    const dyv = f32(args.backend, dy);
    if (!xv || !dyv || input.shape.length !== 4) return fallback(tf.MaxPoolGrad, args);
    const info = poolInfo(input, args.attrs);
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
    if (dyv.length !== N * OH * OW * C) return fallback(tf.MaxPoolGrad, args);
    const e = engine();
    e.reset();
    const xp = e.input(xv);
    const dyp = e.input(dyv);
    const dx = e.output(xv.length);
    const window = [info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
    e.run('maxPoolGrad', [xp, dyp, dx, N, H, W, C, OH, OW, ...window, 0], N > 1 && xv.length >= 1 << 15);
    return outputTensor(args.backend, e, dx, input.shape);
  },
};

/**
 * Like tfjs-backend-cpu, every window's gradient is dy / (filterHeight·filterWidth), even for
 * windows that overlap the padding (the tfjs forward pass divides by the taps inside the
 * input instead; this matches the tfjs gradient, not PyTorch's count_include_pad=False).
 */
export const avgPoolGrad: FastKernel = {
  kernelName: tf.AvgPoolGrad,
  kernelFunc: (args: KernelArgs) => {
    const { dy, input } = args.inputs;
    const dyv = f32(args.backend, dy);
    if (!dyv || input.shape.length !== 4 || (input.dtype !== 'float32' && input.dtype !== 'int32')) {
      return fallback(tf.AvgPoolGrad, args);
    }
    const info = poolInfo(input, args.attrs);
    const { batchSize: N, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
    if (dyv.length !== N * OH * OW * C) return fallback(tf.AvgPoolGrad, args);
    if (isGlobal(info)) return finish(args, input, spreadGlobal(dyv, N, info.inHeight * W, C, 1 / (KH * KW)));
    const dx = accumulator(info, size4(input.shape));
    forEachWindow(info, (o, first, h0, h1, w0, w1) => {
      for (let h = h0; h < h1; h++) {
        for (let w = w0; w < w1; w++) {
          const base = (first + h * W + w) * C;
          for (let c = 0; c < C; c++) dx[base + c] += dyv[o + c];
        }
      }
    });
    // tfjs multiplies each dx element's sum by 1/(KH·KW) once.
    const m = 1 / (KH * KW);
    for (let i = 0; i < dx.length; i++) dx[i] *= m;
    return finish(args, input, dx);
  },
};

/** One window over the whole image (global average pooling, as in every classifier head). */
function isGlobal(info: tf.backend_util.Conv2DInfo): boolean {
  const { outHeight, outWidth, filterHeight, filterWidth, inHeight, inWidth, padInfo } = info;
  return (
    outHeight === 1 && outWidth === 1 && filterHeight === inHeight && filterWidth === inWidth && padInfo.top === 0 && padInfo.left === 0
  );
}

/** dx[n, p, c] = dy[n, c] · scale for each of the `pixels` pixels: one row copied per pixel. */
function spreadGlobal(dy: Float32Array, N: number, pixels: number, C: number, scale: number): Float32Array {
  const dx = new Float32Array(N * pixels * C);
  const row = new Float32Array(C);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) row[c] = dy[n * C + c] * scale;
    for (let p = 0; p < pixels; p++) dx.set(row, (n * pixels + p) * C);
  }
  return dx;
}

function size4(shape: readonly number[]): number {
  return shape[0] * shape[1] * shape[2] * shape[3];
}
