import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, fallbacks, randn, weightedSum } from './__fixtures__/compare';
import { enableFastKernels } from './fast-kernels';

// Either kind of kernel may run here (max pooling and its gradient are wasm, the rest plain JS).
const js = { expectWasm: null };

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

const cases: {
  name: string;
  x: number[];
  k: number | [number, number];
  s: number | [number, number];
  pad: Pad;
  round?: 'floor' | 'round' | 'ceil';
}[] = [
  { name: '2×2 stride 2 valid (the small CNN)', x: [3, 8, 10, 5], k: 2, s: 2, pad: 'valid' },
  { name: '2×2 stride 2 valid, odd sizes', x: [2, 9, 7, 3], k: 2, s: 2, pad: 'valid' },
  { name: '3×3 stride 2 same (overlapping)', x: [2, 11, 10, 6], k: 3, s: 2, pad: 'same' },
  { name: '3×3 stride 2 valid, 1 channel', x: [4, 9, 9, 1], k: 3, s: 2, pad: 'valid' },
  { name: '3×3 stride 1 numeric pad 1', x: [1, 6, 7, 4], k: 3, s: 1, pad: 1 },
  {
    name: '3×2 window stride [2,1] explicit asymmetric pad',
    x: [2, 8, 9, 3],
    k: [3, 2],
    s: [2, 1],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { name: '3×3 stride 2 pad 1 ceil rounding', x: [1, 8, 8, 2], k: 3, s: 2, pad: 1, round: 'ceil' },
  { name: 'global 7×7, 130 channels', x: [1, 7, 7, 130], k: 7, s: 7, pad: 'valid' },
  { name: 'global 9×9, batch 3, 5 channels', x: [3, 9, 9, 5], k: 9, s: 9, pad: 'valid' },
];

describe('MaxPoolGrad / AvgPoolGrad', () => {
  it.each(cases)('maxPool gradient: $name', ({ x, k, s, pad, round }) => {
    const xs = randn(x);
    const f = (p: tf.Tensor) => weightedSum(tf.maxPool(p as tf.Tensor4D, k, s, pad as 'same', round), 7);
    compareWithTfjs(() => tf.grads(f)([xs]), js);
    // tfjs's MaxPool gradient drops dimRoundingMode, so with 'ceil' dy does not match the window
    // grid the kernel computes: that (odd) case is left to tfjs.
    const used = fallbacks(() => tf.grads(f)([xs]));
    if (round === 'ceil') expect(used).toContain('MaxPoolGrad');
    else expect(used).not.toContain('MaxPoolGrad');
  });

  it.each(cases.filter((c) => typeof c.pad === 'string'))('avgPool gradient: $name', ({ x, k, s, pad }) => {
    const xs = randn(x);
    const f = (p: tf.Tensor) => weightedSum(tf.avgPool(p as tf.Tensor4D, k, s, pad as 'same'), 8);
    compareWithTfjs(() => tf.grads(f)([xs]), js);
    expect(fallbacks(() => tf.grads(f)([xs]))).not.toContain('AvgPoolGrad');
  });

  it('ties: the first maximum of a window (row-major) gets the gradient, as in tfjs and PyTorch', () => {
    // Small integers: many equal values in every window, overlapping (3×3 stride 2) and not.
    const ints = tf.tidy(() => tf.floor(tf.mul(randn([2, 9, 8, 6]), 1.5))); // 6 channels: a SIMD group and a scalar tail
    for (const [k, s, pad] of [
      [2, 2, 'valid'],
      [3, 2, 'same'],
      [3, 1, 'valid'],
      [3, 2, 1],
    ] as const) {
      const f = (p: tf.Tensor) => weightedSum(tf.maxPool(p as tf.Tensor4D, k, s, pad), 9);
      compareWithTfjs(() => tf.grads(f)([ints]), js);
    }
    // A constant window: only its top-left element gets dy.
    enableFastKernels();
    const g = tf.tidy(() => tf.grad((p: tf.Tensor) => tf.sum(tf.maxPool(p as tf.Tensor4D, 2, 2, 'valid')))(tf.ones([1, 2, 4, 1])));
    expect(Array.from(g.dataSync())).toEqual([1, 0, 1, 0, 0, 0, 0, 0]);
    g.dispose();
    ints.dispose();
  });

  it('NaN never wins, an all -Infinity window passes no gradient', () => {
    const v = tf.tensor4d([NaN, 1, 2, NaN, -Infinity, -Infinity, -Infinity, -Infinity, 3, NaN, NaN, NaN], [1, 3, 4, 1]);
    for (const [k, s] of [
      [2, 2],
      [2, 1],
      [3, 1],
    ] as const) {
      compareWithTfjs(() => tf.grads((p: tf.Tensor) => tf.sum(tf.maxPool(p as tf.Tensor4D, k, s, 'same')))([v]), js);
    }
  });

  it('direct MaxPoolGrad / AvgPoolGrad kernel calls with an arbitrary dy', () => {
    const xs = randn([2, 7, 9, 4]) as tf.Tensor4D;
    const dy = randn([2, 4, 5, 4]) as tf.Tensor4D;
    compareWithTfjs(() => {
      const y = tf.maxPool(xs, 3, 2, 'same');
      return tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: xs, output: y }, { filterSize: 3, strides: 2, pad: 'same' }) as tf.Tensor;
    }, js);
    compareWithTfjs(
      () => tf.engine().runKernel(tf.AvgPoolGrad, { dy, input: xs }, { filterSize: 3, strides: 2, pad: 'same' }) as tf.Tensor,
      js,
    );
  });
});
