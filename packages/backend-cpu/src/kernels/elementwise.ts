// Plain-JS fast paths for the elementwise ops around convolutions (residual adds, unfused
// batch norm, activations): same shape, a scalar, or a per-channel vector broadcast over the
// last axis. tfjs-backend-cpu computes broadcast indices per element, ~10× slower.
import * as tf from '@tensorflow/tfjs-core';
import { broadcastBinary } from './broadcast';
import { f32, fallback, type FastKernel, type KernelArgs, size } from './common';

type Op = 'add' | 'sub' | 'mul';

function binary(kernelName: string, op: Op): FastKernel {
  return {
    kernelName,
    kernelFunc: (args: KernelArgs) => {
      const { a, b } = args.inputs;
      const av = f32(args.backend, a);
      const bv = f32(args.backend, b);
      if (!av || !bv) return fallback(kernelName, args);
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const n = size(outShape);
      const aBig = av.length === n;
      const big = aBig ? av : bv;
      const small = aBig ? bv : av;
      const period = small.length;
      const last = outShape[outShape.length - 1] ?? 1;
      // The small side must be the whole tensor, a scalar, or a vector along the last axis.
      const smallShape = aBig ? b.shape : a.shape;
      const lastOnly = smallShape.slice(0, -1).every((d) => d === 1) && period === last;
      if (big.length !== n || !(period === n || period === 1 || lastOnly)) return broadcastBinary(args, op) ?? fallback(kernelName, args);
      const out = new Float32Array(n);
      if (period === n) {
        if (op === 'add') for (let i = 0; i < n; i++) out[i] = av[i] + bv[i];
        else if (op === 'sub') for (let i = 0; i < n; i++) out[i] = av[i] - bv[i];
        else for (let i = 0; i < n; i++) out[i] = av[i] * bv[i];
      } else if (period === 1) {
        const s = small[0];
        if (op === 'add') for (let i = 0; i < n; i++) out[i] = big[i] + s;
        else if (op === 'mul') for (let i = 0; i < n; i++) out[i] = big[i] * s;
        else if (aBig) for (let i = 0; i < n; i++) out[i] = big[i] - s;
        else for (let i = 0; i < n; i++) out[i] = s - big[i];
      } else {
        for (let base = 0; base < n; base += period) {
          if (op === 'add') for (let c = 0; c < period; c++) out[base + c] = big[base + c] + small[c];
          else if (op === 'mul') for (let c = 0; c < period; c++) out[base + c] = big[base + c] * small[c];
          else if (aBig) for (let c = 0; c < period; c++) out[base + c] = big[base + c] - small[c];
          else for (let c = 0; c < period; c++) out[base + c] = small[c] - big[base + c];
        }
      }
      return args.backend.makeTensorInfo(outShape, 'float32', out);
    },
  };
}

function unary(kernelName: string, f: (v: Float32Array, out: Float32Array) => void): FastKernel {
  return {
    kernelName,
    kernelFunc: (args: KernelArgs) => {
      const { x } = args.inputs;
      const xv = f32(args.backend, x);
      if (!xv) return fallback(kernelName, args);
      const out = new Float32Array(xv.length);
      f(xv, out);
      return args.backend.makeTensorInfo(x.shape, 'float32', out);
    },
  };
}

export const add = binary(tf.Add, 'add');
export const sub = binary(tf.Sub, 'sub');
export const mul = binary(tf.Multiply, 'mul');

// NaN propagates as in tfjs (a NaN input gives NaN, not 0).
export const relu = unary(tf.Relu, (v, out) => {
  for (let i = 0; i < v.length; i++) out[i] = v[i] < 0 ? 0 : v[i];
});
export const relu6 = unary(tf.Relu6, (v, out) => {
  for (let i = 0; i < v.length; i++) out[i] = v[i] < 0 ? 0 : v[i] > 6 ? 6 : v[i];
});
// tfjs-cpu's Sigmoid dominated EfficientNet's inference (SiLU and SE gates): a plain loop is ~30× faster.
export const sigmoid = unary(tf.Sigmoid, (v, out) => {
  for (let i = 0; i < v.length; i++) out[i] = 1 / (1 + Math.exp(-v[i]));
});
