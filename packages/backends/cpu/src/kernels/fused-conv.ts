// core's fused convolution, act(conv(x) + bias + residual), plain or depthwise: a residual is
// loaded into the output before the GEMM (or Winograd) accumulates into it, and bias and
// activation (SiLU, sigmoid, hardswish and hardsigmoid included) run in the epilogue, so nothing takes an extra pass.
// Without the wasm path it runs tfjs's kernels and finishes in JS.
import { FusedConvKernel } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { WasmOutOfMemory } from '../wasm/engine';
import { Act } from '../wasm/gemm';
import { type CpuBackend, epilogue, f32, fallback, type FastKernel, type KernelArgs } from './common';
import { conv2dWasm } from './conv2d';
import { depthwiseWasm } from './depthwise-conv2d';

/** The epilogue activations in JS, for the path without wasm (PyTorch's definitions). */
export const scalarActivation: Record<string, (v: number) => number> = {
  linear: (v) => v,
  relu: (v) => (v < 0 ? 0 : v),
  relu6: (v) => Math.min(Math.max(v, 0), 6),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  silu: (v) => v / (1 + Math.exp(-v)),
  hardsigmoid: (v) => Math.min(Math.max(v + 3, 0), 6) / 6,
  hardswish: (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6,
};

function wasmPath(args: KernelArgs, attrs: tf.NamedAttrMap, act: Act, residual?: Float32Array): tf.TensorInfo | undefined {
  const { x, filter, bias } = args.inputs;
  try {
    if (attrs.depthwise) return depthwiseWasm(args.backend, x, filter, attrs, { act }, bias);
    return conv2dWasm(args.backend, x, filter, attrs, { act }, bias, residual);
  } catch (e) {
    if (e instanceof WasmOutOfMemory) return undefined;
    throw e;
  }
}

/** tfjs's (linear) convolution, then residual and activation in JS. */
export function tfjsPath(
  backend: CpuBackend,
  args: KernelArgs,
  attrs: tf.NamedAttrMap,
  activation: (v: number) => number,
  residual?: Float32Array,
): tf.TensorInfo {
  const { x, filter, bias } = args.inputs;
  const conv = fallback(attrs.depthwise ? tf.FusedDepthwiseConv2D : tf.FusedConv2D, {
    ...args,
    inputs: { x, filter, bias },
    attrs,
  }) as tf.TensorInfo;
  const y = f32(backend, conv) as Float32Array;
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = activation(residual ? y[i] + residual[i] : y[i]);
  backend.disposeData(conv.dataId);
  return backend.makeTensorInfo(conv.shape, 'float32', out);
}

export const fusedConv: FastKernel = {
  kernelName: FusedConvKernel,
  kernelFunc: (args: KernelArgs) => {
    const name = String(args.attrs?.activation ?? 'linear');
    const ep = epilogue(name, undefined);
    const activation = scalarActivation[name];
    if (!ep || !activation)
      throw new TypeError(`${FusedConvKernel}: activation must be one of ${Object.keys(scalarActivation).join(', ')}, got '${name}'`);
    const attrs: tf.NamedAttrMap = { ...args.attrs, dataFormat: 'NHWC', dilations: 1, activation: 'linear' };
    const { residual } = args.inputs;
    const rv = residual ? f32(args.backend, residual) : undefined;
    if (residual && !rv) throw new TypeError(`${FusedConvKernel}: residual must be a float32 tensor, got ${residual.dtype}`);
    if (residual && (attrs.depthwise || (name !== 'linear' && name !== 'relu'))) {
      throw new TypeError(
        `${FusedConvKernel}: a residual needs a plain convolution with a linear or relu activation, got ${attrs.depthwise ? 'a depthwise one' : `'${name}'`}`,
      );
    }
    return wasmPath(args, attrs, ep.act, rv) ?? tfjsPath(args.backend, args, attrs, activation, rv);
  },
};
