import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { compareWithTfjs, randn, weightedSum } from './__fixtures__/compare';

describe('Concat along the channels (wasm row copies)', () => {
  it('an inception block: four branches, odd channel counts, batch 2', () => {
    const parts = [randn([2, 7, 5, 13]), randn([2, 7, 5, 1]), randn([2, 7, 5, 32]), randn([2, 7, 5, 6])];
    compareWithTfjs(() => tf.concat(parts, 3));
    compareWithTfjs(() => tf.concat(parts, -1));
  });

  it('large inputs (several work chunks on each thread), rank 2 and rank 3', () => {
    const big = [randn([3, 28, 28, 64]), randn([3, 28, 28, 128]), randn([3, 28, 28, 32])];
    const [a, b, c, d] = [randn([300, 7]), randn([300, 9]), randn([4, 6, 3]), randn([4, 6, 5])];
    compareWithTfjs(() => tf.concat(big, 3));
    compareWithTfjs(() => tf.concat([a, b], 1));
    compareWithTfjs(() => tf.concat([c, d], 2));
  });

  it('an empty input is skipped; other axes and int32 run tfjs', () => {
    const [a, b, c] = [randn([2, 3, 4]), randn([2, 3, 2]), randn([2, 5, 4])];
    compareWithTfjs(() => tf.concat([a, tf.zeros([2, 3, 0]), b], 2));
    compareWithTfjs(() => tf.concat([a, c], 1), { expectWasm: false });
    compareWithTfjs(() => tf.concat([tf.ones([2, 3], 'int32'), tf.ones([2, 2], 'int32')], 1), { expectWasm: false });
  });

  it('gradient (a split of dy)', () => {
    const parts = [randn([2, 4, 4, 3]), randn([2, 4, 4, 5])];
    compareWithTfjs(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.relu(tf.concat([a, b], 3)), 2))(parts));
  });
});
