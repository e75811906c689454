import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, fallbacks, randn, weightedSum } from './__fixtures__/compare';

// Same-shape, scalar and per-channel operands run in wasm, the rest in plain JS.
const js = { expectWasm: null };

describe('general broadcasts, RealDiv and Step', () => {
  const x = randn([3, 5, 4, 7]);
  // Every operand shape against x (either side), including ones that broadcast on both sides.
  const operands = [[3, 5, 4, 7], [7], [1, 1, 1, 7], [], [3, 1, 1, 7], [3, 1, 1, 1], [5, 1, 7], [5, 4, 1], [1, 5, 1, 1], [1]].map((s) =>
    randn(s),
  );

  it.each([
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
  ] as const)('%s against every broadcast pattern, either side', (_, op) => {
    for (const y of operands) {
      compareWithTfjs(() => op(x, y), js);
      compareWithTfjs(() => op(y, x), js);
    }
    // Both sides broadcast: [N,1] ∘ [1,C], [2,1,3] ∘ [4,1].
    const col = randn([6, 1]);
    const row = randn([1, 9]);
    compareWithTfjs(() => op(col, row), js);
    const p = randn([2, 1, 3]);
    const q = randn([4, 1]);
    compareWithTfjs(() => op(p, q), js);
    const names = { add: 'Add', sub: 'Sub', mul: 'Multiply', div: 'RealDiv' } as const;
    expect(fallbacks(() => [...operands.map((y) => op(y, x)), op(col, row)])).not.toContain(names[_]);
  });

  it('division by zero and non-finite values match tfjs exactly', () => {
    const a = tf.tensor2d([1, -1, 0, NaN, Infinity, 2], [2, 3]);
    const b = tf.tensor1d([0, 0, 0]);
    compareWithTfjs(() => tf.div(a, b), js);
    compareWithTfjs(() => tf.div(b, a), js);
    compareWithTfjs(() => tf.div(a, tf.scalar(0)), js);
  });

  it('int32 falls back (tfjs div of int32 is a floor division)', () => {
    const i = tf.tensor1d([7, -7, 9], 'int32');
    const j = tf.tensor1d([2, 2, 4], 'int32');
    compareWithTfjs(() => tf.div(i, j), js);
    compareWithTfjs(() => tf.mul(i, tf.tensor2d([1, 2], [2, 1], 'int32')), js);
  });

  it('Step: relu gradient, alpha, NaN', () => {
    const v = tf.tensor1d([-2, -0, 0, 3, NaN, Infinity, -Infinity, 1e-30]);
    compareWithTfjs(() => tf.step(v), js);
    compareWithTfjs(() => tf.step(v, 0.25), js);
    compareWithTfjs(() => tf.step(tf.tensor1d([1, -1, 0], 'int32')), js);
    compareWithTfjs(() => tf.grads((p: tf.Tensor) => weightedSum(tf.relu(p), 4))([x]), js);
    expect(fallbacks(() => tf.step(v))).toEqual([]);
  });

  it('gradients through broadcasts (dropout-style masks, per-channel scale, division)', () => {
    const a = randn([3, 4, 5, 6]);
    const mask = randn([3, 1, 1, 6]);
    const g = randn([6]);
    const f = (p: tf.Tensor, m: tf.Tensor, q: tf.Tensor) => weightedSum(tf.div(tf.mul(tf.mul(p, m), q), tf.add(tf.abs(q), 1)), 5);
    compareWithTfjs(() => tf.grads(f)([a, mask, g]), js);
    const r = randn([6, 10]);
    const c = randn([6, 1]);
    compareWithTfjs(() => tf.grads((p: tf.Tensor, q: tf.Tensor) => weightedSum(tf.sub(p, q), 6))([r, c]), js);
  });
});
