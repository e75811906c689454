// Which core op each case of packages/core/src/__fixtures__/ops.json exercises, shared by the
// Node and the browser suites. Browser-safe: no node imports.
import type * as tf from '@tensorflow/tfjs-core';
import {
  activation,
  type ActivationName,
  adaptiveAvgPool2d,
  avgPool2d,
  batchNorm,
  batchNormTrain,
  conv2d,
  linear,
  logSoftmax,
  maxPool2d,
  type Padding,
  softmax,
} from '@convkit/core';
import fixture from '../packages/core/src/__fixtures__/ops.json';
import { type EncodedTensor, toTensor } from './small-cnn-fixture';

export interface OpCase {
  meta: Record<string, any>;
  inputs: Record<string, EncodedTensor>;
  y: EncodedTensor;
  dy: EncodedTensor;
  grads: Record<string, EncodedTensor>;
}

export type Op = (inputs: Record<string, tf.Tensor>, meta: Record<string, any>) => tf.Tensor;

export const opCases = (fixture as unknown as { cases: Record<string, OpCase> }).cases;

const t1 = (t: tf.Tensor | undefined) => t as tf.Tensor1D;
const t4 = (t: tf.Tensor) => t as tf.Tensor4D;

const ops: [prefix: string, op: Op][] = [
  [
    'conv_',
    ({ x, weight, bias }, m) =>
      conv2d(t4(x), t4(weight), {
        stride: m.stride,
        padding: m.padding as Padding,
        dilation: m.dilation,
        groups: m.groups,
        bias: t1(bias),
        activation: m.activation,
      }),
  ],
  ['maxpool_', ({ x }, m) => maxPool2d(t4(x), { kernelSize: m.kernelSize, stride: m.stride, padding: m.padding, ceilMode: m.ceilMode })],
  [
    'avgpool_',
    ({ x }, m) =>
      avgPool2d(t4(x), {
        kernelSize: m.kernelSize,
        stride: m.stride,
        padding: m.padding,
        ceilMode: m.ceilMode,
        countIncludePad: m.countIncludePad,
      }),
  ],
  ['adaptive_', ({ x }, m) => adaptiveAvgPool2d(t4(x), m.outputSize)],
  ['linear', ({ x, weight, bias }) => linear(x, weight as tf.Tensor2D, t1(bias))],
  ['softmax_', ({ x }, m) => softmax(x, m.dim)],
  ['log_softmax_', ({ x }, m) => logSoftmax(x, m.dim)],
  ['act_', ({ x }, m) => activation(x, m.activation as ActivationName)],
  [
    'batchnorm_eval',
    ({ x, weight, bias }, m) =>
      batchNorm(x, t1(toTensor(m.mean)), t1(toTensor(m.variance)), { weight: t1(weight), bias: t1(bias), eps: m.eps }),
  ],
  ['batchnorm_train', ({ x, weight, bias }, m) => batchNormTrain(x, { weight: t1(weight), bias: t1(bias), eps: m.eps }).output],
];

/** The op a fixture case checks; an unknown case name is an error, so no case goes untested. */
export function opFor(name: string): Op {
  const found = ops.find(([prefix]) => name.startsWith(prefix));
  if (!found) throw new Error(`no op for fixture case '${name}'`);
  return found[1];
}
