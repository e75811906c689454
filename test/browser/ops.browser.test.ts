// core's ops against PyTorch (forward and gradients) on every backend; the same fixture as
// packages/core/src/ops/ops.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { activation, type ActivationName, adaptiveAvgPool2d, avgPool2d, batchNorm, batchNormTrain, conv2d, linear, logSoftmax, maxPool2d, type Padding, softmax } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import fixture from '../../packages/core/src/__fixtures__/ops.json';
import { type EncodedTensor, expectClose, type Tolerance, toTensor } from './compare';
import { backendsUnderTest, useBackend } from './context';

interface Case {
  meta: Record<string, any>;
  inputs: Record<string, EncodedTensor>;
  y: EncodedTensor;
  dy: EncodedTensor;
  grads: Record<string, EncodedTensor>;
}

const cases = (fixture as unknown as { cases: Record<string, Case> }).cases;
const byPrefix = (...prefixes: string[]) => Object.entries(cases).filter(([name]) => prefixes.some((p) => name.startsWith(p)));

type Op = (inputs: Record<string, tf.Tensor>, meta: Record<string, any>) => tf.Tensor;

/** Forward value and gradients of sum(y·dy) against PyTorch's; no tensor may be left behind. */
async function checkAgainstTorch(c: Case, op: Op, tol: Tolerance = {}): Promise<void> {
  const names = Object.keys(c.inputs);
  const inputs = names.map((n) => toTensor(c.inputs[n]));
  const dy = toTensor(c.dy);
  const call = (...xs: tf.Tensor[]) => op(Object.fromEntries(names.map((n, i) => [n, xs[i]])), c.meta);
  const before = tf.memory().numTensors;
  const y = call(...inputs);
  await expectClose(y, c.y, tol, 'forward');
  y.dispose();
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(call(...xs), dy)))(inputs);
  for (const [i, n] of names.entries()) await expectClose(grads[i], c.grads[n], tol, `d/d${n}`);
  tf.dispose(grads);
  expect(tf.memory().numTensors, 'tensors left behind').toBe(before);
  tf.dispose([...inputs, dy]);
}

describe.each(backendsUnderTest())('core ops match PyTorch on %s', (backend) => {
  const { expectActive } = useBackend(backend);

  it.each(byPrefix('conv_'))('%s', async (_, c) => {
    await checkAgainstTorch(c, ({ x, weight, bias }, m) =>
      conv2d(x as tf.Tensor4D, weight as tf.Tensor4D, {
        stride: m.stride,
        padding: m.padding as Padding,
        dilation: m.dilation,
        groups: m.groups,
        bias: bias as tf.Tensor1D | undefined,
        activation: m.activation,
      }),
    );
    expectActive();
  });

  it.each(byPrefix('maxpool_', 'avgpool_'))('%s', async (_, c) => {
    await checkAgainstTorch(c, ({ x }, m) => {
      const options = { kernelSize: m.kernelSize, stride: m.stride, padding: m.padding, ceilMode: m.ceilMode };
      return m.kind === 'max' ? maxPool2d(x as tf.Tensor4D, options) : avgPool2d(x as tf.Tensor4D, { ...options, countIncludePad: m.countIncludePad });
    });
    expectActive();
  });

  it.each(byPrefix('adaptive_'))('%s', async (_, c) => {
    await checkAgainstTorch(c, ({ x }, m) => adaptiveAvgPool2d(x as tf.Tensor4D, m.outputSize));
    expectActive();
  });

  it('linear', async () => {
    await checkAgainstTorch(cases.linear, ({ x, weight, bias }) => linear(x, weight as tf.Tensor2D, bias as tf.Tensor1D));
    expectActive();
  });

  it.each(byPrefix('softmax_', 'log_softmax_'))('%s', async (name, c) => {
    await checkAgainstTorch(c, ({ x }, m) => (name.startsWith('log') ? logSoftmax(x, m.dim) : softmax(x, m.dim)));
    expectActive();
  });

  it.each(byPrefix('act_'))('%s', async (_, c) => {
    await checkAgainstTorch(c, ({ x }, m) => activation(x, m.activation as ActivationName));
    expectActive();
  });

  it('batch norm (eval) uses the given statistics', async () => {
    const c = cases.batchnorm_eval;
    const mean = toTensor(c.meta.mean) as tf.Tensor1D;
    const variance = toTensor(c.meta.variance) as tf.Tensor1D;
    await checkAgainstTorch(c, ({ x, weight, bias }, m) => batchNorm(x, mean, variance, { weight: weight as tf.Tensor1D, bias: bias as tf.Tensor1D, eps: m.eps }));
    tf.dispose([mean, variance]);
    expectActive();
  });

  it('batch norm (train) uses batch statistics', async () => {
    const c = cases.batchnorm_train;
    await checkAgainstTorch(c, ({ x, weight, bias }, m) => {
      const r = batchNormTrain(x, { weight: weight as tf.Tensor1D, bias: bias as tf.Tensor1D, eps: m.eps });
      tf.dispose([r.mean, r.variance, r.unbiasedVariance]);
      return r.output;
    });
    const x = toTensor(c.inputs.x);
    const r = batchNormTrain(x);
    await expectClose(r.mean, c.meta.batchMean);
    await expectClose(r.unbiasedVariance, c.meta.batchVarUnbiased);
    tf.dispose([x, r.output, r.mean, r.variance, r.unbiasedVariance]);
    expectActive();
  });
});
