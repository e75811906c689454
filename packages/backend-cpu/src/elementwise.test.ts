import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { compareWithTfjs, randn } from './__fixtures__/compare';

// These kernels are plain JS (no wasm launches); they fall back to tfjs for other broadcasts.
const js = { expectWasm: false };

describe('elementwise fast paths', () => {
  const x = randn([2, 5, 6, 7]);
  const same = randn([2, 5, 6, 7]);
  const channel = randn([7]);
  const channel4 = randn([1, 1, 1, 7]);
  const scalar = tf.scalar(1.5);
  const other = randn([2, 5, 1, 7]); // a broadcast the fast path does not cover

  it.each([
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
  ] as const)('%s: same shape, per-channel, scalar, either side, and fallback', (_, op) => {
    for (const y of [same, channel, channel4, scalar, other]) {
      compareWithTfjs(() => op(x, y), js);
      compareWithTfjs(() => op(y, x), js);
    }
  });

  it('relu and relu6 (NaN propagates)', () => {
    const v = tf.tensor1d([-2, -0, 0, 3, 7, NaN, Infinity, -Infinity]);
    compareWithTfjs(() => tf.relu(v), js);
    compareWithTfjs(() => tf.relu6(v), js);
    compareWithTfjs(() => tf.relu6(tf.mul(x, 5)), js);
  });

  it('sigmoid, including its extremes and gradient', () => {
    const v = tf.tensor1d([-100, -20, -1, -0, 0, 0.5, 20, 100, NaN, Infinity, -Infinity]);
    compareWithTfjs(() => tf.sigmoid(v), js);
    compareWithTfjs(() => tf.sigmoid(tf.mul(x, 4)), js);
    compareWithTfjs(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(t, tf.sigmoid(t))))(x), js);
  });

  it('gradients through add/mul/relu', () => {
    const a = randn([3, 4, 5]);
    const b = randn([5]);
    compareWithTfjs(() => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.relu(tf.mul(tf.add(p, q), q))))([a, b]), js);
  });

  it('int32 falls back', () => {
    const i = tf.tensor1d([1, 2, 3], 'int32');
    compareWithTfjs(() => tf.add(i, i), js);
  });
});

describe('pooling and padding', () => {
  const x = randn([2, 11, 10, 6]);
  it.each([
    [3, 2, 'same'],
    [3, 2, 'valid'],
    [2, 2, 'valid'],
    [3, 1, 1],
    [7, 7, 'valid'],
  ] as const)('maxPool/avgPool %s×%s stride %s pad %s', (k, s, pad) => {
    const input = k === 7 ? randn([1, 7, 7, 20]) : x;
    compareWithTfjs(() => tf.maxPool(input as tf.Tensor4D, k, s, pad), js);
    compareWithTfjs(() => tf.avgPool(input as tf.Tensor4D, k, s, pad), js);
  });

  it('pool gradients', () => {
    compareWithTfjs(() => tf.grads((p: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(p as tf.Tensor4D, 3, 2, 'same'), 2)))([x]), js);
    compareWithTfjs(() => tf.grads((p: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(p as tf.Tensor4D, 3, 2, 'same'), 2)))([x]), js);
  });

  it('pad (4-D constant, -Infinity as for max pooling)', () => {
    compareWithTfjs(() => tf.pad(x, [[0, 0], [1, 2], [3, 0], [0, 0]]), js);
    compareWithTfjs(() => tf.pad(x, [[1, 0], [1, 1], [1, 1], [2, 1]], -Infinity), js);
    const m = randn([3, 4]);
    compareWithTfjs(() => tf.pad(m, [[1, 1], [2, 0]]), js);
  });
});
