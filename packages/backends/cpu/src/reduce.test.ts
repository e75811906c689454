import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, fallbacks, randn, weightedSum } from './__fixtures__/compare';

// Plain JS kernels: no wasm launches.
// Either kind of kernel may run here (max pooling and its gradient are wasm, the rest plain JS).
const js = { expectWasm: null };

type Axis = number | number[] | undefined;

describe('Sum / Mean / Max / Min', () => {
  const x = randn([3, 5, 7, 4]);
  // Axis sets the fast path covers: contiguous blocks (once size-1 axes are ignored).
  // [1, 2] / [2, 1] / [-3, -2]: global average pooling over H and W.
  const covered: Axis[] = [[0, 1, 2], -1, [1, 2], [2, 1], [-3, -2], 0, [2, 3], [1], [-4, -3, -2], undefined, [0, 1, 2, 3], []];

  it.each([
    ['sum', tf.sum],
    ['mean', tf.mean],
    ['max', tf.max],
    ['min', tf.min],
  ] as const)('%s over contiguous axis blocks, keepDims both ways', (name, op) => {
    for (const axis of covered) {
      for (const keepDims of [false, true]) {
        compareWithTfjs(() => op(x, axis, keepDims), js);
      }
    }
    const kernel = { sum: 'Sum', mean: 'Mean', max: 'Max', min: 'Min' }[name];
    expect(fallbacks(() => covered.map((axis) => op(x, axis, true)))).not.toContain(kernel);
  });

  it('all axes but the last on batch-norm shapes: 1 channel, many channels, batch 1', () => {
    for (const shape of [
      [4, 3, 3, 1],
      [2, 3, 5, 130],
      [1, 1, 1, 7],
      [1, 9, 1, 3],
    ]) {
      const t = randn(shape);
      compareWithTfjs(() => tf.sum(t, [0, 1, 2]), js);
      compareWithTfjs(() => tf.mean(t, [0, 1, 2], true), js);
      compareWithTfjs(() => tf.moments(t, [0, 1, 2]).variance, js);
      compareWithTfjs(() => tf.max(t, [0, 1, 2]), js);
      compareWithTfjs(() => tf.sum(t, -1, true), js);
    }
  });

  it('size-1 axes do not break contiguity; non-contiguous axes fall back', () => {
    const t = randn([5, 1, 7]);
    compareWithTfjs(() => tf.sum(t, [0, 2]), js);
    expect(fallbacks(() => tf.sum(t, [0, 2]))).not.toContain('Sum');
    compareWithTfjs(() => tf.sum(x, [0, 2]), js);
    compareWithTfjs(() => tf.mean(x, [1, 3], true), js);
    compareWithTfjs(() => tf.max(x, [0, 3]), js);
    expect(fallbacks(() => tf.sum(x, [0, 2]))).toContain('Sum');
  });

  it('int32: Sum and Max keep int32, Mean gives float32; bool falls back', () => {
    const i = tf.tensor3d(
      Array.from({ length: 2 * 3 * 5 }, (_, k) => ((k * 7919) % 23) - 11),
      [2, 3, 5],
      'int32',
    );
    for (const axis of [[0, 1], -1, undefined, 1]) {
      compareWithTfjs(() => tf.sum(i, axis), js);
      compareWithTfjs(() => tf.mean(i, axis, true), js);
      compareWithTfjs(() => tf.max(i, axis), js);
      compareWithTfjs(() => tf.min(i, axis), js);
    }
    tf.tidy(() => {
      expect(tf.sum(i, [0, 1]).dtype).toBe('int32');
      expect(tf.max(i, -1).dtype).toBe('int32');
      expect(tf.mean(i, -1).dtype).toBe('float32');
    });
    expect(fallbacks(() => [tf.sum(i, [0, 1]), tf.mean(i, -1), tf.max(i, 0)])).toEqual([]);
    const b = tf.tensor2d([true, false, true, true], [2, 2], 'bool');
    compareWithTfjs(() => tf.sum(b, 0), js);
    compareWithTfjs(() => tf.sum(b), js);
  });

  it('NaN and infinities: NaN propagates through max/min and sums', () => {
    const v = tf.tensor2d([1, NaN, 3, -Infinity, 2, 5, Infinity, 0, 4, 1, -1, NaN], [4, 3]);
    for (const axis of [0, 1, undefined]) {
      compareWithTfjs(() => tf.max(v, axis), js);
      compareWithTfjs(() => tf.min(v, axis), js);
      compareWithTfjs(() => tf.sum(v, axis), js);
      compareWithTfjs(() => tf.mean(v, axis), js);
    }
  });

  it('empty and scalar inputs', () => {
    const s = tf.scalar(2.5);
    compareWithTfjs(() => tf.sum(s), js);
    compareWithTfjs(() => tf.mean(s), js);
    compareWithTfjs(() => tf.max(s), js);
    const e = tf.zeros([0, 3]);
    compareWithTfjs(() => tf.sum(e, 0), js);
    compareWithTfjs(() => tf.sum(e, 1), js);
  });

  it('gradients through batch-norm statistics (moments over [0,1,2], sum, mean, max)', () => {
    const a = randn([3, 5, 4, 6]);
    const g = randn([6]);
    const b = randn([6]);
    const bn = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => {
      const { mean, variance } = tf.moments(p, [0, 1, 2], true);
      const y = tf.add(tf.mul(tf.div(tf.sub(p, mean), tf.sqrt(tf.add(variance, 1e-5))), q), r);
      return tf.add(weightedSum(y, 1), tf.mul(tf.max(p), tf.mean(tf.sum(p, -1))));
    };
    compareWithTfjs(() => tf.grads(bn)([a, g, b]), js);
    const m = randn([4, 9]);
    compareWithTfjs(() => tf.grads((p: tf.Tensor) => weightedSum(tf.logSoftmax(p), 2))([m]), js);
    compareWithTfjs(() => tf.grads((p: tf.Tensor) => weightedSum(tf.min(p, 0, true), 3))([m]), js);
    compareWithTfjs(() => tf.grads((p: tf.Tensor) => weightedSum(tf.mean(p, [1, 2]), 4))([a]), js);
  });
});
