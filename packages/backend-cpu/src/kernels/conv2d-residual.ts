// core's fused residual convolution, act(conv(x) + bias + residual): the residual is loaded
// into the output before the GEMM (or Winograd) accumulates into it, so the add and the ReLU
// cost no extra pass. Without the wasm path it runs tfjs's FusedConv2D and adds in JS.
import { Conv2DResidualKernel } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { WasmOutOfMemory } from '../wasm/engine';
import { Act } from '../wasm/gemm';
import { f32, fallback, type FastKernel, type KernelArgs } from './common';
import { conv2dWasm } from './conv2d';

export const conv2DResidual: FastKernel = {
  kernelName: Conv2DResidualKernel,
  kernelFunc: (args: KernelArgs) => {
    const { x, filter, bias, residual } = args.inputs;
    const relu = args.attrs?.activation === 'relu';
    const attrs = { ...args.attrs, dataFormat: 'NHWC', dilations: 1, activation: 'linear' };
    const rv = f32(args.backend, residual);
    if (!rv) throw new TypeError(`${Conv2DResidualKernel}: residual must be a float32 tensor, got ${residual?.dtype ?? 'none'}`);
    try {
      const out = conv2dWasm(args.backend, x, filter, attrs, { act: relu ? Act.Relu : Act.Linear }, bias, rv);
      if (out) return out;
    } catch (e) {
      if (!(e instanceof WasmOutOfMemory)) throw e;
    }
    const conv = fallback(tf.FusedConv2D, { ...args, inputs: { x, filter, bias }, attrs }) as tf.TensorInfo;
    const y = f32(args.backend, conv) as Float32Array;
    const out = new Float32Array(y.length);
    for (let i = 0; i < y.length; i++) {
      const v = y[i] + rv[i];
      out[i] = relu && v < 0 ? 0 : v;
    }
    args.backend.disposeData(conv.dataId);
    return args.backend.makeTensorInfo(conv.shape, 'float32', out);
  },
};
