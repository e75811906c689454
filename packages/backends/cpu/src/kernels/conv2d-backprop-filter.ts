import * as tf from '@tensorflow/tfjs-core';
import { convFilterGrad } from '../wasm/conv';
import { engine, f32, type KernelArgs, outputTensor, size, wasmKernel } from './common';
import { geometryOf } from './conv2d';

/** dW = im2col(x)ᵀ · dy as one GEMM whose reduction runs over every output pixel. */
export const conv2DBackpropFilter = wasmKernel(tf.Conv2DBackpropFilter, (args: KernelArgs) => {
  const { x, dy } = args.inputs;
  const attrs = args.attrs ?? {};
  const xv = f32(args.backend, x);
  const dyv = f32(args.backend, dy);
  const filterShape = attrs.filterShape as [number, number, number, number];
  if (attrs.dataFormat === 'NCHW' || !xv || !dyv || size(filterShape) === 0 || dyv.length === 0 || xv.length === 0) {
    return undefined;
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'same' | 'valid' | number | tf.backend_util.ExplicitPadding,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const e = engine();
  e.reset();
  const xp = e.input(xv);
  const dyp = e.input(dyv);
  const n = size(filterShape);
  const dw = e.output(n);
  convFilterGrad(e, xp, geometryOf(info), dyp, info.outChannels, dw);
  return outputTensor(args.backend, e, dw, filterShape);
});
