// core's ops against PyTorch (forward and gradients) on every backend; the same fixture and op
// table (test/op-cases.ts) as packages/core/src/ops/ops.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrain } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { type OpCase, opCases, opFor } from '../op-cases';
import { expectClose, type Tolerance, toTensor } from './compare';
import { backendsUnderTest, useBackend } from './context';

/** Forward value and gradients of sum(y·dy) against PyTorch's; no tensor may be left behind. */
async function checkAgainstTorch(name: string, c: OpCase, tol: Tolerance = {}): Promise<void> {
  const op = opFor(name);
  const names = Object.keys(c.inputs);
  const inputs = names.map((n) => toTensor(c.inputs[n]));
  const dy = toTensor(c.dy);
  const call = (...xs: tf.Tensor[]) => op(Object.fromEntries(names.map((n, i) => [n, xs[i]])), c.meta);
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => call(...inputs));
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

  it.each(Object.entries(opCases))('%s', async (name, c) => {
    await checkAgainstTorch(name, c);
    expectActive();
  });

  it('batchNormTrain reports the batch mean and the unbiased variance', async () => {
    const c = opCases.batchnorm_train;
    const x = toTensor(c.inputs.x);
    const r = batchNormTrain(x);
    await expectClose(r.mean, c.meta.batchMean);
    await expectClose(r.unbiasedVariance, c.meta.batchVarUnbiased);
    tf.dispose([x, r.output, r.mean, r.variance, r.unbiasedVariance]);
    expectActive();
  });
});
