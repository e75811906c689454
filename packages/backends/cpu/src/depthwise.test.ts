import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { compareWithTfjs, randn, weightedSum } from './__fixtures__/compare';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

const cases: { name: string; x: number[]; k: number; stride: number; pad: Pad }[] = [
  { name: '3×3 same, 8 channels', x: [2, 9, 9, 8], k: 3, stride: 1, pad: 'same' },
  { name: '3×3 same stride 2, 7 channels (scalar tail)', x: [1, 10, 11, 7], k: 3, stride: 2, pad: 'same' },
  { name: '5×5 valid, 3 channels', x: [2, 9, 8, 3], k: 5, stride: 1, pad: 'valid' },
  {
    name: 'explicit padding stride 2, 16 channels',
    x: [1, 12, 12, 16],
    k: 3,
    stride: 2,
    pad: [
      [0, 0],
      [0, 1],
      [2, 1],
      [0, 0],
    ],
  },
  { name: '3×3 pad 1, 96 channels', x: [1, 14, 14, 96], k: 3, stride: 1, pad: 1 },
  { name: '1 channel', x: [1, 5, 5, 1], k: 3, stride: 1, pad: 'same' },
];

describe('DepthwiseConv2dNative', () => {
  it.each(cases)('forward: $name', ({ x, k, stride, pad }) => {
    const xs = randn(x) as tf.Tensor4D;
    const ws = randn([k, k, x[3], 1]) as tf.Tensor4D;
    compareWithTfjs(() => tf.depthwiseConv2d(xs, ws, stride, pad));
  });

  it.each(cases)('gradients (both backprop kernels): $name', ({ x, k, stride, pad }) => {
    const xs = randn(x);
    const ws = randn([k, k, x[3], 1]);
    const f = (a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), 7);
    compareWithTfjs(() => tf.grads(f)([xs, ws]));
  });

  it('dilation 2 forward', () => {
    const xs = randn([1, 13, 13, 8]) as tf.Tensor4D;
    const ws = randn([3, 3, 8, 1]) as tf.Tensor4D;
    compareWithTfjs(() => tf.depthwiseConv2d(xs, ws, 1, 'same', 'NHWC', 2));
    // Windows whose first taps fall in the padding (tap ranges with dilation), 6 channels.
    const ys = randn([2, 11, 10, 6]) as tf.Tensor4D;
    const w5 = randn([5, 3, 6, 1]) as tf.Tensor4D;
    compareWithTfjs(() =>
      tf.depthwiseConv2d(
        ys,
        w5,
        1,
        [
          [0, 0],
          [5, 2],
          [3, 4],
          [0, 0],
        ],
        'NHWC',
        2,
      ),
    );
  });

  it('channel multiplier 2 falls back to tfjs', () => {
    const xs = randn([1, 6, 6, 4]) as tf.Tensor4D;
    const ws = randn([3, 3, 4, 2]) as tf.Tensor4D;
    compareWithTfjs(() => tf.depthwiseConv2d(xs, ws, 1, 'same'), { expectWasm: false });
  });

  it('fused: bias + relu6', () => {
    const xs = randn([2, 8, 8, 12]) as tf.Tensor4D;
    const ws = randn([3, 3, 12, 1]) as tf.Tensor4D;
    const bias = randn([12]);
    compareWithTfjs(() => tf.fused.depthwiseConv2d({ x: xs, filter: ws, strides: 2, pad: 'same', bias, activation: 'relu6' }));
  });
});
