import * as tf from '@tensorflow/tfjs-core';
import { epilogue, type KernelArgs, wasmKernel } from './common';
import { conv2dWasm } from './conv2d';

export const fusedConv2D = wasmKernel(tf.FusedConv2D, (args: KernelArgs) => {
  const { x, filter, bias } = args.inputs;
  const attrs = args.attrs ?? {};
  const ep = epilogue(attrs.activation, attrs.leakyreluAlpha);
  return ep && conv2dWasm(args.backend, x, filter, attrs, ep, bias);
});
