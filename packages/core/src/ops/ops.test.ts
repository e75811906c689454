import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, toTensor } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import { checkAgainstTorch, opCases } from '@convkit/test-utils/op-cases';
import { batchNormTrain } from './batch-norm';

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
