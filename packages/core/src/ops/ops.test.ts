import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, readJson, toTensor } from '../../../../test/fixtures';
import { type OpCase, opCases, opFor } from '../../../../test/op-cases';
import { batchNormTrain } from './batch-norm';

/** Compares the forward value and the gradients of sum(y·dy) with PyTorch's; nothing may leak. */
function checkAgainstTorch(name: string, c: OpCase): void {
  const op = opFor(name);
  const names = Object.keys(c.inputs);
  const inputs = names.map((n) => toTensor(c.inputs[n]));
  const dy = toTensor(c.dy);
  const call = (...xs: tf.Tensor[]) => op(Object.fromEntries(names.map((n, i) => [n, xs[i]])), c.meta);
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => call(...inputs));
  expectClose(y, c.y);
  y.dispose();
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(call(...xs), dy)))(inputs);
  names.forEach((n, i) => expectClose(grads[i], c.grads[n]));
  tf.dispose(grads);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([...inputs, dy]);
}

describe('core ops match PyTorch (forward and gradients)', () => {
  it.each(Object.entries(opCases))('%s', (name, c) => checkAgainstTorch(name, c));

  it('batchNormTrain reports the batch mean and the unbiased variance', () => {
    const c = opCases.batchnorm_train;
    const x = toTensor(c.inputs.x);
    const r = batchNormTrain(x);
    expectClose(r.mean, c.meta.batchMean);
    expectClose(r.unbiasedVariance, c.meta.batchVarUnbiased);
    tf.dispose([x, r.output, r.mean, r.variance, r.unbiasedVariance]);
  });

  it('the fixture was written by PyTorch', () => {
    const { torch } = readJson<{ torch: string }>(new URL('../__fixtures__/ops.json', import.meta.url));
    expect(torch).toMatch(/^1\.13/);
  });
});
