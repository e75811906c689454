import * as tf from '@tensorflow/tfjs-core';
import { geometryParams } from '../wasm/conv';
import { Act } from '../wasm/gemm';
import { type CpuBackend, engine, type Epilogue, epilogue, f32, type KernelArgs, outputTensor, putBias, size, wasmKernel } from './common';
import { geometryOf } from './conv2d';

export function depthwiseInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations ?? 1) as number | [number, number],
    attrs.pad as 'same' | 'valid' | number | tf.backend_util.ExplicitPadding,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    true,
  );
}

/** Depthwise conv with channel multiplier 1 (direct SIMD over channels); undefined = not covered. */
export function depthwiseWasm(
  backend: CpuBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
  ep: Epilogue,
  bias?: tf.TensorInfo,
): tf.TensorInfo | undefined {
  const xv = f32(backend, x);
  const wv = f32(backend, filter);
  if (attrs.dataFormat === 'NCHW' || !xv || !wv || filter.shape.length !== 4 || filter.shape[3] !== 1 || xv.length === 0) return undefined;
  const info = depthwiseInfo(x.shape, filter.shape, attrs);
  const n = size(info.outShape);
  if (n === 0) return undefined;
  const e = engine();
  e.reset();
  const biasPtr = putBias(e, backend, bias, info.outChannels);
  if (biasPtr === undefined) return undefined;
  const xp = e.input(xv);
  const wp = e.input(wv);
  const y = e.output(n);
  e.run('depthwise', [xp, ...geometryParams(geometryOf(info)), wp, y, biasPtr, ep.act, 0]);
  return outputTensor(backend, e, y, info.outShape, ep);
}

export const depthwiseConv2dNative = wasmKernel(tf.DepthwiseConv2dNative, (args: KernelArgs) => {
  const { x, filter } = args.inputs;
  return depthwiseWasm(args.backend, x, filter, args.attrs ?? {}, { act: Act.Linear });
});

export const fusedDepthwiseConv2D = wasmKernel(tf.FusedDepthwiseConv2D, (args: KernelArgs) => {
  const { x, filter, bias } = args.inputs;
  const attrs = args.attrs ?? {};
  const ep = epilogue(attrs.activation, attrs.leakyreluAlpha);
  return ep && depthwiseWasm(args.backend, x, filter, attrs, ep, bias);
});
