import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, randn } from './__fixtures__/compare';

// SplitV is plain JS (no wasm launch): `expectWasm: null` skips the launch count.
describe('SplitV along the channels (row copies) and Pack on a new last axis (interleave)', () => {
  it("ShuffleNetV2's channel split: two halves, by count and by sizes, batch 2", () => {
    const x = randn([2, 7, 5, 116]);
    compareWithTfjs(() => tf.split(x, 2, 3), { expectWasm: null });
    compareWithTfjs(() => tf.split(x, [13, 0, 100, 3], -1), { expectWasm: null });
  });

  it('rank 2, and the values land in order (hand-worked)', () => {
    const x = tf.tensor2d([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    const [a, b] = tf.split(x, [1, 2], 1);
    expect([a.arraySync(), b.arraySync()]).toEqual([
      [[0], [3]],
      [
        [1, 2],
        [4, 5],
      ],
    ]);
    const wide = randn([300, 9]);
    compareWithTfjs(() => tf.split(wide, 3, 1), { expectWasm: null });
    tf.dispose([x, a, b]);
  });

  it('other axes run tfjs', () => {
    const x = randn([2, 6, 4, 3]);
    compareWithTfjs(() => tf.split(x, 2, 1), { expectWasm: null });
  });

  it('gradient (a concat of the parts)', () => {
    const x = randn([2, 4, 4, 8]);
    compareWithTfjs(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.split(t, 2, 3)[1], 3)))(x), { expectWasm: null });
  });

  it('Pack on a new last axis interleaves (hand-worked), other axes run tfjs', () => {
    const [a, b] = [tf.tensor1d([1, 2, 3]), tf.tensor1d([4, 5, 6])];
    const y = tf.stack([a, b], 1);
    expect(y.arraySync()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const parts = [randn([2, 7, 5, 58]), randn([2, 7, 5, 58]), randn([2, 7, 5, 58])];
    compareWithTfjs(() => tf.stack(parts, 4), { expectWasm: null });
    compareWithTfjs(() => tf.stack(parts, 1), { expectWasm: null });
    compareWithTfjs(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.stack([t, tf.square(t)], 4), 2)))(parts[0]), { expectWasm: null });
    tf.dispose([a, b, y]);
  });
});
