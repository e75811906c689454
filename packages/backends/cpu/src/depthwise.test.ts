import * as tf from '@tensorflow/tfjs-core';
import { expectClose } from '@convkit/test-utils';
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
  // The input gradient of a strided conv: 16-channel blocks, then 4-channel blocks, then single channels.
  { name: '5×5 same stride 2, 38 channels', x: [2, 11, 12, 38], k: 5, stride: 2, pad: 'same' },
  { name: '3×3 valid stride 2, 48 channels', x: [1, 13, 10, 48], k: 3, stride: 2, pad: 'valid' },
  { name: '3×3 pad 1 stride 3, 20 channels', x: [1, 10, 11, 20], k: 3, stride: 3, pad: 1 },
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

  it('dilation 2 filter gradient (21 channels): the 5×5 gradient at every other tap', () => {
    // tfjs's gradient refuses dilation and its backprop-filter kernel ignores it: compare with the
    // undilated 5×5 gradient (same padding), itself checked against tfjs, at taps 0, 2, 4.
    const xs = randn([2, 11, 10, 21]);
    const dy = randn([2, 11, 10, 21]);
    const run = (k: number, dilations: number) =>
      tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x: xs, dy }, {
        strides: 1,
        pad: 'same',
        dilations,
        filterShape: [k, k, 21, 1],
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
    compareWithTfjs(() => run(5, 1));
    const want = tf.stridedSlice(run(5, 1), [0, 0, 0, 0], [5, 5, 21, 1], [2, 2, 1, 1]);
    expectClose(run(3, 2), { shape: want.shape, data: Array.from(want.dataSync()) }, { rtol: 1e-4, atol: 1e-4 });
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
