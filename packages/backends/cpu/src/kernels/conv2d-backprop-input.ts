import * as tf from '@tensorflow/tfjs-core';
import { type ConvGeometry, convForward, packFlippedFilter } from '../wasm/conv';
import { convWinograd, packWinogradFilter, winogradApplies } from '../wasm/winograd';
import { engine, f32, type KernelArgs, outputTensor, size, wasmKernel } from './common';
import { geometryOf } from './conv2d';

/**
 * dx = the transposed convolution of dy: a stride-1 convolution over dy with (stride-1) zeros
 * between its pixels, the spatially flipped filter with in/out swapped, and padding k-1-pad.
 */
export const conv2DBackpropInput = wasmKernel(tf.Conv2DBackpropInput, (args: KernelArgs) => {
  const { dy, filter } = args.inputs;
  const attrs = args.attrs ?? {};
  const dyv = f32(args.backend, dy);
  const wv = f32(args.backend, filter);
  const inputShape = attrs.inputShape as [number, number, number, number];
  if (attrs.dataFormat === 'NCHW' || !dyv || !wv || size(inputShape) === 0 || dyv.length === 0) {
    return undefined;
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'same' | 'valid' | number | tf.backend_util.ExplicitPadding,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const fwd = geometryOf(info);
  const e = engine();
  e.reset();
  const n = size(inputShape);
  const outC = info.outChannels;
  const transposed: ConvGeometry = {
    batch: fwd.batch,
    inH: fwd.outH,
    inW: fwd.outW,
    inC: info.outChannels,
    outH: fwd.inH,
    outW: fwd.inW,
    kH: fwd.kH,
    kW: fwd.kW,
    strideH: 1,
    strideW: 1,
    dilH: 1,
    dilW: 1,
    padTop: fwd.kH - 1 - fwd.padTop,
    padLeft: fwd.kW - 1 - fwd.padLeft,
    lhsH: fwd.strideH,
    lhsW: fwd.strideW,
  };
  const dyp = e.input(dyv);
  const dx = e.output(n);
  if (e.winograd && winogradApplies(transposed, fwd.inC)) {
    const inC = fwd.inC;
    // Tap (kh,kw) of the transposed filter is tap (2−kh,2−kw) of w, in/out swapped.
    const at = (kh: number, kw: number, i: number, o: number) => (((2 - kh) * 3 + (2 - kw)) * inC + o) * outC + i;
    convWinograd(e, dyp, transposed, packWinogradFilter(e, filter.dataId, wv, 'transposed', outC, inC, at), inC, dx);
  } else {
    convForward(e, dyp, transposed, packFlippedFilter(e, filter.dataId, wv, fwd.kH, fwd.kW, fwd.inC, outC), fwd.inC, dx);
  }
  return outputTensor(args.backend, e, dx, inputShape);
});
