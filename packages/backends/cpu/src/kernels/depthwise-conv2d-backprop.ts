import * as tf from '@tensorflow/tfjs-core';
import { geometryParams } from '../wasm/conv';
import { Act } from '../wasm/gemm';
import { engine, f32, type KernelArgs, outputTensor, size, wasmKernel } from './common';
import { geometryOf } from './conv2d';
import { depthwiseInfo } from './depthwise-conv2d';

/** dx: a depthwise conv over dy with zeros between pixels and the spatially flipped filter. */
export const depthwiseConv2dNativeBackpropInput = wasmKernel(tf.DepthwiseConv2dNativeBackpropInput, (args: KernelArgs) => {
  const { dy, filter } = args.inputs;
  const attrs = args.attrs ?? {};
  const dyv = f32(args.backend, dy);
  const wv = f32(args.backend, filter);
  const inputShape = attrs.inputShape as number[];
  if (!dyv || !wv || filter.shape[3] !== 1 || dyv.length === 0 || size(inputShape) === 0) {
    return undefined;
  }
  const g = geometryOf(depthwiseInfo(inputShape, filter.shape, attrs));
  const e = engine();
  e.reset();
  const dyp = e.input(dyv);
  // Flip the taps (channels stay in place).
  const taps = g.kH * g.kW;
  const flipped = new Float32Array(wv.length);
  for (let t = 0; t < taps; t++) flipped.set(wv.subarray((taps - 1 - t) * g.inC, (taps - t) * g.inC), t * g.inC);
  const wp = e.put(flipped);
  const n = size(inputShape);
  const dx = e.output(n);
  const transposed = {
    ...g,
    inH: g.outH,
    inW: g.outW,
    outH: g.inH,
    outW: g.inW,
    strideH: 1,
    strideW: 1,
    padTop: (g.kH - 1) * g.dilH - g.padTop,
    padLeft: (g.kW - 1) * g.dilW - g.padLeft,
    lhsH: g.strideH,
    lhsW: g.strideW,
  };
  e.run('depthwise', [dyp, ...geometryParams(transposed), wp, dx, 0, Act.Linear, 0]);
  return outputTensor(args.backend, e, dx, inputShape);
});

/** dW: each thread sums x·dy into its own partial filter; the partials are added here. */
export const depthwiseConv2dNativeBackpropFilter = wasmKernel(tf.DepthwiseConv2dNativeBackpropFilter, (args: KernelArgs) => {
  const { x, dy } = args.inputs;
  const attrs = args.attrs ?? {};
  const xv = f32(args.backend, x);
  const dyv = f32(args.backend, dy);
  const filterShape = attrs.filterShape as number[];
  if (!xv || !dyv || filterShape[3] !== 1 || dyv.length === 0 || xv.length === 0) {
    return undefined;
  }
  const g = geometryOf(depthwiseInfo(x.shape, filterShape, attrs));
  const e = engine();
  e.reset();
  const xp = e.input(xv);
  const dyp = e.input(dyv);
  const n = size(filterShape);
  const partials = e.zeros(n * e.threads);
  e.run('depthwiseFilterGrad', [xp, ...geometryParams(g).slice(0, 14), dyp, partials, 0]);
  const all = e.take(partials, n * e.threads);
  const out = all.slice(0, n);
  for (let t = 1; t < e.threads; t++) for (let i = 0; i < n; i++) out[i] += all[t * n + i];
  return args.backend.makeTensorInfo(filterShape, 'float32', out);
});
