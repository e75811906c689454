// Every fast kernel, registered on the tfjs 'cpu' backend by fast-kernels.ts (one file per kernel
// family; each falls back to the captured tfjs kernel for inputs it does not cover).
import { batchMatMul, fusedMatMul } from './batch-mat-mul';
import { batchNormTrain, batchNormTrainGrad } from './batch-norm-train';
import type { FastKernel } from './common';
import { greater, greaterEqual, less, lessEqual } from './compare';
import { concat } from './concat';
import { conv2D } from './conv2d';
import { fusedConv } from './fused-conv';
import { conv2DBackpropFilter } from './conv2d-backprop-filter';
import { conv2DBackpropInput } from './conv2d-backprop-input';
import { depthwiseConv2dNative, fusedDepthwiseConv2D } from './depthwise-conv2d';
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './depthwise-conv2d-backprop';
import { add, hardswish, hardswishGrad, mul, realDiv, relu, relu6, sigmoid, silu, siluGrad, step, sub } from './elementwise';
import { fusedConv2D } from './fused-conv2d';
import { gelu, geluGrad } from './gelu';
import { layerNorm, layerNormGrad } from './layer-norm';
import { pack } from './pack';
import { padV2 } from './pad-v2';
import { avgPool, maxPool } from './pool';
import { avgPoolGrad, maxPoolGrad } from './pool-grad';
import { max, mean, min, sum } from './reduce';
import { splitV } from './split-v';

export const fastKernels: readonly FastKernel[] = [
  // WebAssembly SIMD (multithreaded)
  conv2D,
  fusedConv2D,
  fusedConv,
  conv2DBackpropInput,
  conv2DBackpropFilter,
  depthwiseConv2dNative,
  fusedDepthwiseConv2D,
  depthwiseConv2dNativeBackpropInput,
  depthwiseConv2dNativeBackpropFilter,
  batchMatMul,
  fusedMatMul,
  batchNormTrain,
  batchNormTrainGrad,
  concat,
  // Plain JS fast paths for the ops between convolutions
  add,
  sub,
  mul,
  relu,
  relu6,
  sigmoid,
  silu,
  siluGrad,
  hardswish,
  hardswishGrad,
  maxPool,
  avgPool,
  padV2,
  splitV,
  pack,
  // Plain JS row kernels (ConvNeXt's norm and activation)
  layerNorm,
  layerNormGrad,
  gelu,
  geluGrad,
  // Plain JS reductions, pooling gradients, broadcast division and ReLU's gradient
  sum,
  mean,
  max,
  min,
  maxPoolGrad,
  avgPoolGrad,
  realDiv,
  step,
  // Plain JS comparisons (tfjs's Relu6 gradient)
  less,
  lessEqual,
  greater,
  greaterEqual,
];
