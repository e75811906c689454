import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type EncodedTensor, expectClose, expectNoLeaks, readJson, toTensor } from '../../../../test/fixtures';
import { activation, type ActivationName } from './activation';
import { batchNorm, batchNormTrain } from './batch-norm';
import { conv2d, type Padding } from './conv';
import { linear, logSoftmax, softmax } from './linear';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from './pool';

interface Case {
  meta: Record<string, any>;
  inputs: Record<string, EncodedTensor>;
  y: EncodedTensor;
  dy: EncodedTensor;
  grads: Record<string, EncodedTensor>;
}

const { cases } = readJson<{ cases: Record<string, Case> }>(new URL('../__fixtures__/ops.json', import.meta.url));
const byPrefix = (p: string) => Object.entries(cases).filter(([name]) => name.startsWith(p));

type Op = (inputs: Record<string, tf.Tensor>, meta: Record<string, any>) => tf.Tensor;

/** Compares the forward value and the gradients of sum(y·dy) with PyTorch's. */
function checkAgainstTorch(c: Case, op: Op, tol = { rtol: 1e-4, atol: 1e-5 }): void {
  const names = Object.keys(c.inputs);
  const inputs = names.map((n) => toTensor(c.inputs[n]));
  const dy = toTensor(c.dy);
  const call = (...xs: tf.Tensor[]) => op(Object.fromEntries(names.map((n, i) => [n, xs[i]])), c.meta);
  expectNoLeaks(() => {
    const y = call(...inputs);
    expectClose(y, c.y, tol);
    y.dispose();
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(call(...xs), dy)))(inputs);
    names.forEach((n, i) => expectClose(grads[i], c.grads[n], tol));
    tf.dispose(grads);
  });
  tf.dispose([...inputs, dy]);
}

describe('conv2d matches PyTorch (forward and gradients)', () => {
  it.each(byPrefix('conv_'))('%s', (_, c) => {
    checkAgainstTorch(c, ({ x, weight, bias }, m) =>
      conv2d(x as tf.Tensor4D, weight as tf.Tensor4D, {
        stride: m.stride,
        padding: m.padding as Padding,
        dilation: m.dilation,
        groups: m.groups,
        bias: bias as tf.Tensor1D | undefined,
        activation: m.activation,
      }),
    );
  });
});

describe('pooling matches PyTorch', () => {
  it.each([...byPrefix('maxpool_'), ...byPrefix('avgpool_')])('%s', (_, c) => {
    checkAgainstTorch(c, ({ x }, m) => {
      const options = { kernelSize: m.kernelSize, stride: m.stride, padding: m.padding, ceilMode: m.ceilMode };
      return m.kind === 'max'
        ? maxPool2d(x as tf.Tensor4D, options)
        : avgPool2d(x as tf.Tensor4D, { ...options, countIncludePad: m.countIncludePad });
    });
  });

  it.each(byPrefix('adaptive_'))('%s', (_, c) => {
    checkAgainstTorch(c, ({ x }, m) => adaptiveAvgPool2d(x as tf.Tensor4D, m.outputSize));
  });
});

describe('linear, softmax and activations match PyTorch', () => {
  it('linear', () => checkAgainstTorch(cases.linear, ({ x, weight, bias }) => linear(x, weight as tf.Tensor2D, bias as tf.Tensor1D)));

  it.each([...byPrefix('softmax_'), ...byPrefix('log_softmax_')])('%s', (name, c) => {
    checkAgainstTorch(c, ({ x }, m) => (name.startsWith('log') ? logSoftmax(x, m.dim) : softmax(x, m.dim)));
  });

  it.each(byPrefix('act_'))('%s', (_, c) => {
    checkAgainstTorch(c, ({ x }, m) => activation(x, m.activation as ActivationName));
  });
});

describe('batch norm matches PyTorch', () => {
  it('evaluation uses the given statistics', () => {
    const c = cases.batchnorm_eval;
    const mean = toTensor(c.meta.mean) as tf.Tensor1D;
    const variance = toTensor(c.meta.variance) as tf.Tensor1D;
    checkAgainstTorch(c, ({ x, weight, bias }, m) =>
      batchNorm(x, mean, variance, { weight: weight as tf.Tensor1D, bias: bias as tf.Tensor1D, eps: m.eps }),
    );
    tf.dispose([mean, variance]);
  });

  it('training uses batch statistics (biased to normalise, unbiased reported)', () => {
    const c = cases.batchnorm_train;
    checkAgainstTorch(c, ({ x, weight, bias }, m) => {
      const r = batchNormTrain(x, { weight: weight as tf.Tensor1D, bias: bias as tf.Tensor1D, eps: m.eps });
      tf.dispose([r.mean, r.variance, r.unbiasedVariance]);
      return r.output;
    });
    const x = toTensor(c.inputs.x);
    const r = batchNormTrain(x);
    expectClose(r.mean, c.meta.batchMean);
    expectClose(r.unbiasedVariance, c.meta.batchVarUnbiased);
    tf.dispose([x, r.output, r.mean, r.variance, r.unbiasedVariance]);
  });
});

it('every fixture case is exercised', () => {
  const covered = ['conv_', 'maxpool_', 'avgpool_', 'adaptive_', 'linear', 'softmax_', 'log_softmax_', 'act_', 'batchnorm_'];
  const unexercised = Object.keys(cases).filter((n) => !covered.some((p) => n.startsWith(p)));
  expect(unexercised).toEqual([]);
});
