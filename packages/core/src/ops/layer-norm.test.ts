import * as tf from '@tensorflow/tfjs-core';
import { expectClose, expectNoLeaks } from '@convkit/test-utils';
import { describe, expect, it } from 'vitest';
import { OptionError, ShapeError } from '../errors';
import { layerNorm, layerNormOps } from './layer-norm';

// Hand-worked: the row [1, 2, 3] has mean 2 and biased variance 2/3, so it normalises to
// ±1/sqrt(2/3 + eps) = ±1.2247357 (eps 1e-5) and 0; γ = [1, 2, 3], β = [0, 1, 0] give [-1.2247357, 1, 3.6742071].
describe('layerNorm', () => {
  it.each([
    ['the kernel (or ops where the backend has none)', layerNorm],
    ['the tfjs-op composition', layerNormOps],
  ] as const)('%s: a hand-worked row, each row on its own', (_, op) => {
    expectNoLeaks(() => {
      const x = tf.tensor2d([
        [1, 2, 3],
        [10, 20, 30],
      ]);
      const gamma = tf.tensor1d([1, 2, 3]);
      const beta = tf.tensor1d([0, 1, 0]);
      const plain = op(x);
      const affine = op(x, gamma, beta, { eps: 1e-5 });
      expectClose(plain, { shape: [2, 3], data: [-1.2247357, 0, 1.2247357, -1.2247449, 0, 1.2247449] }, { rtol: 1e-6, atol: 1e-6 });
      const firstRow = tf.slice(affine, [0, 0], [1, 3]);
      expectClose(firstRow, { shape: [1, 3], data: [-1.2247357, 1, 3.6742071] }, { rtol: 1e-6, atol: 1e-6 });
      // Without γ each row of y sums to a constant, so the gradient of Σy w.r.t. x is 0; of β, the row count.
      const [dx, dbeta] = tf.grads((t: tf.Tensor, b: tf.Tensor) => tf.sum(op(t, null, b as tf.Tensor1D)))([x, beta]);
      expectClose(dx, { shape: [2, 3], data: [0, 0, 0, 0, 0, 0] }, { rtol: 0, atol: 1e-5 });
      expectClose(dbeta, { shape: [3], data: [2, 2, 2] }, { rtol: 0, atol: 1e-6 });
      tf.dispose([x, gamma, beta, plain, affine, firstRow, dx, dbeta]);
    });
  });

  it('bad inputs: parameter shapes name the expected channel count; eps must be positive', () => {
    const x = tf.zeros([2, 4, 4, 8]);
    const wrong = tf.ones([4]) as tf.Tensor1D;
    expect(() => layerNorm(x, wrong)).toThrow(ShapeError);
    expect(() => layerNorm(x, null, wrong)).toThrow(/beta must have shape \[8\].*got \[4\]/);
    expect(() => layerNorm(x, null, null, { eps: 0 })).toThrow(OptionError);
    expect(() => layerNorm(tf.scalar(1))).toThrow(/layerNorm: input must have at least one axis/);
    tf.dispose([x, wrong]);
  });
});
