import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, fallbacks, randn, weightedSum } from './__fixtures__/compare';

const ops = { less: tf.less, lessEqual: tf.lessEqual, greater: tf.greater, greaterEqual: tf.greaterEqual };

describe('Less, LessEqual, Greater, GreaterEqual', () => {
  // Ties, NaN (never compares true) and ±Infinity.
  const special = tf.tensor([0, 1, -1, 6, 6, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5.999, 0.5]);
  const other = tf.tensor([0, 2, -2, 6, 5, 1, Number.POSITIVE_INFINITY, 0, 6, Number.NaN]);

  it.each(Object.keys(ops))('%s: same shape, scalar on either side, NaN and ties', (name) => {
    const op = ops[name as keyof typeof ops];
    const x = tf.round(tf.mul(randn([2, 5, 6, 8]), 2));
    const y = tf.round(tf.mul(randn([2, 5, 6, 8]), 2));
    compareWithTfjs(() => [op(x, y), op(x, tf.scalar(1)), op(tf.scalar(0), x), op(special, other), op(special, tf.scalar(6))], {
      expectWasm: null,
    });
    expect(fallbacks(() => op(x, tf.scalar(1)).dispose())).toEqual([]);
  });

  it('broadcasts other than a scalar fall back to tfjs', () => {
    const x = randn([2, 3, 4]);
    const v = randn([4]);
    compareWithTfjs(() => tf.lessEqual(x, v), { expectWasm: null });
    expect(fallbacks(() => tf.lessEqual(x, v).dispose())).toEqual([tf.LessEqual]);
  });

  it('the relu6 gradient (LessEqual against 6, Multiply by the cast mask) runs no tfjs kernel but Cast', () => {
    const x = tf.mul(randn([2, 6, 6, 16]), 5);
    const grad = () => tf.grad((t: tf.Tensor) => weightedSum(tf.relu6(t), 3))(x);
    compareWithTfjs(grad);
    expect(fallbacks(() => grad().dispose()).filter((k) => k !== tf.Cast)).toEqual([]);
  });
});
