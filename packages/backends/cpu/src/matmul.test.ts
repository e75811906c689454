import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { compareWithTfjs, randn, weightedSum } from './__fixtures__/compare';

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 2],
  [37, 50, 29],
  [64, 256, 128],
  [17, 300, 33],
  [1, 2048, 1000],
  [200, 3, 17],
];

describe('BatchMatMul', () => {
  for (const [m, k, n] of shapes) {
    it.each([
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ])(`${m}×${k}·${k}×${n} transposeA=%s transposeB=%s`, (ta, tb) => {
      const a = randn(ta ? [k, m] : [m, k]);
      const b = randn(tb ? [n, k] : [k, n]);
      compareWithTfjs(() => tf.matMul(a, b, ta, tb));
    });
  }

  it('batched, with batch broadcasting on either side', () => {
    const pairs: [number[], number[], boolean][] = [
      [[3, 7, 9], [3, 9, 5], false],
      [[2, 3, 7, 9], [9, 5], false],
      [[1, 7, 9], [4, 9, 5], false],
      [[4, 9, 7], [4, 5, 9], true],
    ];
    for (const [sa, sb, t] of pairs) {
      const a = randn(sa);
      const b = randn(sb);
      compareWithTfjs(() => tf.matMul(a, b, t, t));
    }
  });

  it('gradients', () => {
    const a = randn([13, 40]);
    const b = randn([40, 21]);
    compareWithTfjs(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => weightedSum(tf.matMul(x, y), 4))([a, b]));
    const ab = randn([2, 13, 40]);
    const bb = randn([2, 21, 40]);
    compareWithTfjs(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => weightedSum(tf.matMul(x, y, false, true), 5))([ab, bb]));
  });
});

describe('_FusedMatMul', () => {
  it.each(['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu'] as const)('bias + %s', (activation) => {
    const a = randn([19, 70]);
    const b = randn([70, 45]);
    const bias = randn([45]);
    compareWithTfjs(() => tf.fused.matMul({ a, b, bias, activation, leakyreluAlpha: 0.3 }));
  });

  it('transposed, no bias; prelu falls back', () => {
    const a = randn([70, 19]);
    const b = randn([45, 70]);
    compareWithTfjs(() => tf.fused.matMul({ a, b, transposeA: true, transposeB: true, activation: 'relu' }));
    const alpha = randn([45]);
    compareWithTfjs(
      () => tf.fused.matMul({ a, b, transposeA: true, transposeB: true, activation: 'prelu', preluActivationWeights: alpha }),
      {
        expectWasm: false,
      },
    );
  });

  it('gradients through fused matmul + bias + relu (a dense layer)', () => {
    const x = randn([8, 30]);
    const w = randn([30, 12]);
    const b = randn([12]);
    const f = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
      weightedSum(tf.fused.matMul({ a: p as tf.Tensor2D, b: q as tf.Tensor2D, bias: r, activation: 'relu' }), 6);
    compareWithTfjs(() => tf.grads(f)([x, w, b]));
  });
});
