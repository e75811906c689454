import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@convkit/test-utils';
import { accuracy, clipGradNorm, clipGradValue, ConfusionMatrix, topKAccuracy } from './index';

describe('gradient clipping', () => {
  it('clipGradNorm: total 2-norm over all tensors, scale max/(norm+1e-6), returns the norm', () => {
    const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) };
    expectNoLeaks(() => expect(clipGradNorm(grads, 6.5)).toBeCloseTo(13, 6));
    const coef = 6.5 / (13 + 1e-6);
    expect(Array.from(grads.a.dataSync())).toEqual([3, 4].map((v) => expect.closeTo(v * coef, 6)));
    expect(grads.b.dataSync()[0]).toBeCloseTo(12 * coef, 5);
    // Below the limit nothing changes, bit for bit.
    const before = Array.from(grads.a.dataSync());
    expect(clipGradNorm(grads, 100)).toBeCloseTo(6.5, 4);
    expect(Array.from(grads.a.dataSync())).toEqual(before);
    expect(clipGradNorm(grads, 1, Infinity)).toBeCloseTo(6, 4);
    tf.dispose(Object.values(grads));
  });

  it('clipGradValue clamps in the map', () => {
    const grads = { a: tf.tensor1d([-3, 0.5, 2]) };
    expectNoLeaks(() => clipGradValue(grads, 1));
    expect(Array.from(grads.a.dataSync())).toEqual([-1, 0.5, 1]);
    tf.dispose(grads.a);
  });
});

describe('metrics', () => {
  const scores = tf.tensor2d([
    [0.1, 0.7, 0.2],
    [0.5, 0.3, 0.2],
    [0.2, 0.3, 0.5],
    [0.6, 0.1, 0.3],
  ]);
  const labels = tf.tensor1d([1, 1, 2, 2], 'int32');

  it('accuracy and top-k accuracy', () => {
    expectNoLeaks(() => {
      expect(accuracy(scores, labels)).toBe(0.5);
      expect(topKAccuracy(scores, labels, 2)).toBe(1);
      expect(topKAccuracy(scores, labels, 3)).toBe(1);
    });
    expect(() => topKAccuracy(scores, labels, 4)).toThrow(/k: must be an integer in \[1, 3\]/);
    expect(() => accuracy(scores, tf.tensor1d([1, 2], 'int32'))).toThrow(/expected scores \[N, C\] and labels \[N\]/);
  });

  it('confusion matrix counts, recall/precision and a readable table', () => {
    const cm = new ConfusionMatrix(3, ['cat', 'dog', 'bird']);
    expectNoLeaks(() => cm.update(scores, labels));
    cm.update(tf.tensor1d([0], 'int32'), tf.tensor1d([0], 'int32'));
    expect(cm.counts).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [1, 0, 1],
    ]);
    expect(cm.accuracy).toBe(0.6);
    expect(cm.recall()).toEqual([1, 0.5, 0.5]);
    expect(cm.precision()).toEqual([1 / 3, 1, 1]);
    const text = cm.toString();
    console.log(text);
    expect(text.split('\n')).toEqual([
      'actual \\ predicted    0    1    2  recall',
      '0 cat                 1    0    0  100.0%',
      '1 dog                 1    1    0   50.0%',
      '2 bird                1    0    1   50.0%',
      'accuracy 60.00% of 5',
    ]);
    expect(() => cm.update(tf.tensor1d([3], 'int32'), tf.tensor1d([0], 'int32'))).toThrow(/predictions\[0\]/);
  });
});
