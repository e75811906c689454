// Which core op each case of packages/core/src/__fixtures__/ops.json exercises, and the check
// against PyTorch, shared by the Node and the browser suites. Browser-safe: no node imports.
import * as tf from '@tensorflow/tfjs-core';
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
import { expect } from 'vitest';
import fixture from '../../../packages/core/src/__fixtures__/ops.json';
import { expectCloseAsync, type Tolerance } from './compare';
import { type EncodedTensor, toTensor } from './tensors';

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

/**
 * Forward value and gradients of sum(y·dy) against PyTorch's, on the active backend; no tensor may
 * be left behind. Reads asynchronously, so it runs on every backend (WebGPU included).
 */
export async function checkAgainstTorch(name: string, c: OpCase, tol: Tolerance = {}): Promise<void> {
  const op = opFor(name);
  const names = Object.keys(c.inputs);
  const inputs = names.map((n) => toTensor(c.inputs[n]));
  const dy = toTensor(c.dy);
  const call = (...xs: tf.Tensor[]) => op(Object.fromEntries(names.map((n, i) => [n, xs[i]])), c.meta);
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => call(...inputs));
  await expectCloseAsync(y, c.y, tol, 'forward');
  y.dispose();
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(call(...xs), dy)))(inputs);
  for (const [i, n] of names.entries()) await expectCloseAsync(grads[i], c.grads[n], tol, `d/d${n}`);
  tf.dispose(grads);
  expect(tf.memory().numTensors, 'tensors left behind').toBe(before);
  tf.dispose([...inputs, dy]);
}
