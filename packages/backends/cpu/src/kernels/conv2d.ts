import * as tf from '@tensorflow/tfjs-core';
import { Act } from '../wasm/gemm';
import { convWinograd, packWinogradFilter, winogradApplies } from '../wasm/winograd';
import { convForward, type ConvGeometry, packFilter } from '../wasm/conv';
import { type CpuBackend, engine, type Epilogue, f32, type KernelArgs, outputTensor, putBias, size, wasmKernel } from './common';

export function geometryOf(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilH: info.dilationHeight,
    dilW: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    lhsH: 1,
    lhsW: 1,
  };
}

/**
 * Conv2D/FusedConv2D in NHWC (plus a residual added before the activation); undefined when the
 * inputs are not something the wasm path covers.
 */
export function conv2dWasm(
  backend: CpuBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
  ep: Epilogue,
  bias?: tf.TensorInfo,
  residual?: Float32Array,
): tf.TensorInfo | undefined {
  if (attrs.dataFormat === 'NCHW') return undefined;
  const xv = f32(backend, x);
  const wv = f32(backend, filter);
  if (!xv || !wv || x.shape.length !== 4 || filter.shape.length !== 4) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations ?? 1) as number | [number, number],
    attrs.pad as 'same' | 'valid' | number | tf.backend_util.ExplicitPadding,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  if (size(info.outShape) === 0 || size(x.shape) === 0 || size(filter.shape) === 0) return undefined;
  if (residual && residual.length !== size(info.outShape)) return undefined;
  const e = engine();
  e.reset();
  const outC = info.outChannels;
  const biasPtr = putBias(e, backend, bias, outC);
  if (biasPtr === undefined) return undefined;
  const g = geometryOf(info);
  const xp = e.input(xv);
  const y = e.output(size(info.outShape));
  // With a residual the output starts as it, and the GEMM / Winograd epilogue adds onto it.
  if (residual) e.write(y, residual);
  const accumulate = residual !== undefined;
  if (e.winograd && winogradApplies(g, outC)) {
    const inC = g.inC;
    const u = packWinogradFilter(e, filter.dataId, wv, 'forward', inC, outC, (kh, kw, i, o) => ((kh * 3 + kw) * inC + i) * outC + o);
    convWinograd(e, xp, g, u, outC, y, biasPtr, ep.act, accumulate);
  } else {
    convForward(e, xp, g, packFilter(e, filter.dataId, wv, g.kH * g.kW * g.inC, outC), outC, y, biasPtr, ep.act, accumulate);
  }
  return outputTensor(backend, e, y, info.outShape, ep);
}

export const conv2D = wasmKernel(tf.Conv2D, (args: KernelArgs) => {
  const { x, filter } = args.inputs;
  return conv2dWasm(args.backend, x, filter, args.attrs ?? {}, { act: Act.Linear });
});
