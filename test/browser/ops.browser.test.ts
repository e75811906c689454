// core's ops against PyTorch (forward and gradients) on every backend; the same fixture, op table
// and check (@convkit/test-utils/op-cases) as packages/core/src/ops/ops.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrain } from '@convkit/core';
import { describe, it } from 'vitest';
import { expectCloseAsync, toTensor } from '@convkit/test-utils';
import { checkAgainstTorch, opCases } from '@convkit/test-utils/op-cases';
import { backendsUnderTest, useBackend } from './context';

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
    await expectCloseAsync(r.mean, c.meta.batchMean);
    await expectCloseAsync(r.unbiasedVariance, c.meta.batchVarUnbiased);
    tf.dispose([x, r.output, r.mean, r.variance, r.unbiasedVariance]);
    expectActive();
  });
});
