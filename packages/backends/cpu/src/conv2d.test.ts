import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, randn, weightedSum } from './__fixtures__/compare';
import { enableFastKernels, fastKernelsInfo } from './fast-kernels';
import { fastKernels } from './kernels';
import { runtime } from './registry';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number | [number, number];
  pad: Pad;
  dilation?: number;
}

const cases: ConvCase[] = [
  { name: '3×3 same, 3→5 channels', x: [1, 7, 9, 3], w: [3, 3, 3, 5], stride: 1, pad: 'same' },
  { name: '3×3 same stride 2, batch 2, odd sizes', x: [2, 9, 11, 5], w: [3, 3, 5, 7], stride: 2, pad: 'same' },
  { name: '3×3 valid stride 2', x: [2, 8, 8, 4], w: [3, 3, 4, 6], stride: 2, pad: 'valid' },
  { name: '1×1 pointwise (plain GEMM)', x: [1, 10, 10, 16], w: [1, 1, 16, 33], stride: 1, pad: 'valid' },
  { name: '1×1 stride 2', x: [2, 9, 9, 16], w: [1, 1, 16, 24], stride: 2, pad: 'valid' },
  {
    name: 'explicit asymmetric padding, stride [2,1]',
    x: [1, 12, 10, 6],
    w: [3, 3, 6, 8],
    stride: [2, 1],
    pad: [
      [0, 0],
      [1, 2],
      [0, 3],
      [0, 0],
    ],
  },
  { name: '5×5 numeric pad 2, 2→1 channels', x: [1, 6, 6, 2], w: [5, 5, 2, 1], stride: 1, pad: 2 },
  { name: '2×2 kernel stride 3 same (uneven padding)', x: [1, 10, 10, 3], w: [2, 2, 3, 4], stride: 3, pad: 'same' },
  { name: '7×7 stride 2 pad 3 stem (3→64)', x: [1, 23, 23, 3], w: [7, 7, 3, 64], stride: 2, pad: 3 },
  { name: '3×3 same 64→128', x: [1, 14, 14, 64], w: [3, 3, 64, 128], stride: 1, pad: 'same' },
  { name: '1×1 256→64, batch 2', x: [2, 8, 8, 256], w: [1, 1, 256, 64], stride: 1, pad: 'valid' },
  { name: '3×3 128→256 stride 2 (N not a multiple of 16 rows)', x: [1, 9, 7, 128], w: [3, 3, 128, 256], stride: 2, pad: 1 },
  { name: 'single pixel, single channel', x: [1, 1, 1, 1], w: [1, 1, 1, 1], stride: 1, pad: 'valid' },
];

describe('Conv2D', () => {
  it.each(cases)('forward: $name', ({ x, w, stride, pad }) => {
    const xs = randn(x);
    const ws = randn(w, 0.3);
    compareWithTfjs(() => tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, stride, pad));
  });

  it('forward with dilation 2', () => {
    const xs = randn([1, 11, 13, 4]) as tf.Tensor4D;
    const ws = randn([3, 3, 4, 5]) as tf.Tensor4D;
    compareWithTfjs(() => tf.conv2d(xs, ws, 1, 'same', 'NHWC', 2));
    compareWithTfjs(() =>
      tf.conv2d(
        xs,
        ws,
        1,
        [
          [0, 0],
          [2, 1],
          [0, 2],
          [0, 0],
        ],
        'NHWC',
        [2, 3],
      ),
    );
  });

  it('falls back to tfjs for NCHW', () => {
    const xs = randn([1, 4, 6, 6]) as tf.Tensor4D;
    const ws = randn([3, 3, 4, 2]) as tf.Tensor4D;
    compareWithTfjs(() => tf.conv2d(xs, ws, 1, 'same', 'NCHW'), { expectWasm: false });
  });

  it.each(cases.filter((c) => c.x[3] * c.w[3] < 64 * 128))('gradients (Conv2DBackpropInput/Filter): $name', ({ x, w, stride, pad }) => {
    const xs = randn(x);
    const ws = randn(w, 0.3);
    const f = (a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), 1);
    compareWithTfjs(() => tf.grads(f)([xs, ws]));
  });

  it('gradients at larger channel counts (batch 2, 32→96)', () => {
    const xs = randn([2, 12, 12, 32]);
    const ws = randn([3, 3, 32, 96], 0.1);
    const f = (a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), 2);
    compareWithTfjs(() => tf.grads(f)([xs, ws]));
  });

  it('backprop kernels called directly (conv2dTranspose shapes)', () => {
    const dy = randn([2, 5, 6, 8]) as tf.Tensor4D;
    const w = randn([3, 3, 3, 8]) as tf.Tensor4D;
    compareWithTfjs(() => tf.conv2dTranspose(dy, w, [2, 10, 12, 3], 2, 'same'));
    compareWithTfjs(() => tf.conv2dTranspose(dy, w, [2, 11, 13, 3], 2, 'valid'));
  });
});

describe('FusedConv2D', () => {
  const x = [2, 9, 9, 6] as const;
  const w = [3, 3, 6, 20] as const;
  it.each(['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu', 'prelu'] as const)('bias + %s', (activation) => {
    const xs = randn([...x]) as tf.Tensor4D;
    const ws = randn([...w], 0.5) as tf.Tensor4D;
    const bias = randn([20]);
    const preluActivationWeights = activation === 'prelu' ? randn([20], 0.2) : undefined;
    compareWithTfjs(
      () => tf.fused.conv2d({ x: xs, filter: ws, strides: 2, pad: 'same', bias, activation, preluActivationWeights, leakyreluAlpha: 0.15 }),
      { expectWasm: activation !== 'prelu' },
    );
  });

  it('scalar bias, no bias, 1×1', () => {
    const xs = randn([1, 7, 7, 12]) as tf.Tensor4D;
    const ws = randn([1, 1, 12, 18]) as tf.Tensor4D;
    compareWithTfjs(() => tf.fused.conv2d({ x: xs, filter: ws, strides: 1, pad: 'valid', bias: tf.scalar(0.5), activation: 'relu' }));
    compareWithTfjs(() => tf.fused.conv2d({ x: xs, filter: ws, strides: 1, pad: 'valid', activation: 'relu6' }));
  });

  it('gradients through fused conv + bias + relu', () => {
    const xs = randn([2, 8, 8, 5]);
    const ws = randn([3, 3, 5, 7], 0.5);
    const bs = randn([7]);
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      weightedSum(
        tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: 1, pad: 'same', bias: c, activation: 'relu' }),
        3,
      );
    compareWithTfjs(() => tf.grads(f)([xs, ws, bs]));
  });
});

describe('fast kernel registration', () => {
  it('reports what it registered', () => {
    enableFastKernels();
    const info = fastKernelsInfo();
    expect(info.enabled).toBe(true);
    expect(info.simd).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.kernels).toEqual(
      expect.arrayContaining(['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul']),
    );
    for (const k of fastKernels) {
      const registered = tf.getKernel(k.kernelName, 'cpu')?.kernelFunc;
      expect(registered).toBeDefined();
      // The tfjs kernel (convkit's own kernels have none) is no longer the one registered.
      if (!k.kernelName.startsWith('Convkit')) expect(registered).not.toBe(runtime.original(k.kernelName));
    }
  });

  it('gives the same result on one thread as on two', () => {
    const xs = randn([2, 20, 20, 24]) as tf.Tensor4D;
    const ws = randn([3, 3, 24, 40]) as tf.Tensor4D;
    enableFastKernels({ threads: 1 });
    const one = tf.conv2d(xs, ws, 1, 'same');
    expect(fastKernelsInfo().threads).toBe(1);
    enableFastKernels({ threads: 2 });
    const two = tf.conv2d(xs, ws, 1, 'same');
    expect(Array.from(two.dataSync())).toEqual(Array.from(one.dataSync()));
    // More threads than this machine may have cores: still the same numbers.
    enableFastKernels({ threads: 3 });
    const three = tf.tidy(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), 3))([xs, ws]),
    );
    expect(fastKernelsInfo().threads).toBe(3);
    enableFastKernels({ threads: 1 });
    const single = tf.tidy(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), 3))([xs, ws]),
    );
    three.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(single[i].dataSync())));
    enableFastKernels();
    tf.dispose([xs, ws, one, two, ...three, ...single]);
  });
});

describe('packed-weight cache', () => {
  it('reuses packed weights correctly across calls, shapes and reshapes', () => {
    const xs = randn([1, 9, 9, 16]) as tf.Tensor4D;
    const ws = randn([3, 3, 16, 24]) as tf.Tensor4D;
    const flat = tf.reshape(ws, [144, 24]); // same data, another packing
    const cols = randn([5, 144]);
    // First use packs into scratch memory, the second into a cached block, the third reads it.
    for (let i = 0; i < 3; i++) {
      compareWithTfjs(() => tf.conv2d(xs, ws, 1, 'same'));
      compareWithTfjs(() => tf.matMul(cols, flat));
      compareWithTfjs(() => tf.conv2dTranspose(tf.conv2d(xs, ws, 1, 'same'), ws, [1, 9, 9, 16], 1, 'same'));
    }
    tf.dispose([xs, ws, flat, cols]);
  });

  it('does not confuse weights that replace each other (a training step)', () => {
    const xs = randn([2, 6, 6, 4]) as tf.Tensor4D;
    const w = tf.variable(randn([3, 3, 4, 8]));
    for (let step = 0; step < 4; step++) {
      compareWithTfjs(() => tf.conv2d(xs, w as tf.Tensor4D, 1, 'same'));
      compareWithTfjs(() => tf.conv2d(xs, w as tf.Tensor4D, 1, 'same'));
      tf.tidy(() => w.assign(tf.add(w, 0.5)));
    }
    tf.dispose([xs, w]);
  });
});

describe('relaxed SIMD (FMA) kernels', () => {
  it('agree with tfjs when enabled through the V8 flag (Node)', () => {
    enableFastKernels({ enableV8RelaxedSimdFlag: true });
    try {
      const info = fastKernelsInfo();
      expect(info.relaxedSimd).toBe(true); // Node >= 20.16 has process.getBuiltinModule('node:v8')
      const xs = randn([2, 9, 9, 20]) as tf.Tensor4D;
      const ws = randn([3, 3, 20, 36], 0.3) as tf.Tensor4D;
      const f = (a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), 9);
      const opts = { enableV8RelaxedSimdFlag: true };
      compareWithTfjs(() => [tf.conv2d(xs, ws, 1, 'same'), ...tf.grads(f)([xs, ws])], { options: opts });
      compareWithTfjs(() => tf.depthwiseConv2d(xs, tf.slice(ws, [0, 0, 0, 0], [3, 3, 20, 1]) as tf.Tensor4D, 1, 'same'), { options: opts });
    } finally {
      enableFastKernels();
    }
  });
});

describe('Winograd F(2×2,3×3) path (stride 1, 3×3, channels a multiple of 4, ≥ 16)', () => {
  const wino: { name: string; x: [number, number, number, number]; outC: number; pad: Pad }[] = [
    { name: 'odd output size, same', x: [2, 13, 11, 16], outC: 20, pad: 'same' },
    { name: 'valid (odd output)', x: [1, 10, 9, 32], outC: 16, pad: 'valid' },
    {
      name: 'explicit asymmetric padding',
      x: [1, 8, 12, 16],
      outC: 24,
      pad: [
        [0, 0],
        [0, 2],
        [2, 1],
        [0, 0],
      ],
    },
    { name: 'tiny: 3×3 input valid → 1×1', x: [3, 3, 3, 16], outC: 16, pad: 'valid' },
    { name: 'ResNet layer4 shape 7×7×128→128 (scaled)', x: [1, 7, 7, 128], outC: 128, pad: 1 },
  ];
  it.each(wino)('forward: $name', ({ x, outC, pad }) => {
    const xs = randn(x) as tf.Tensor4D;
    const ws = randn([3, 3, x[3], outC], 0.2) as tf.Tensor4D;
    const before = runtime.engine?.launches.winogradInput ?? 0;
    compareWithTfjs(() => tf.conv2d(xs, ws, 1, pad));
    expect(runtime.engine?.launches.winogradInput).toBeGreaterThan(before);
    // The same convolution through im2col + GEMM.
    compareWithTfjs(() => tf.conv2d(xs, ws, 1, pad), { options: { winograd: false } });
  });

  it.each(['linear', 'relu', 'relu6', 'sigmoid'] as const)('fused bias + %s', (activation) => {
    const xs = randn([2, 9, 10, 16]) as tf.Tensor4D;
    const ws = randn([3, 3, 16, 32], 0.2) as tf.Tensor4D;
    const bias = randn([32]);
    compareWithTfjs(() => tf.fused.conv2d({ x: xs, filter: ws, strides: 1, pad: 'same', bias, activation }));
  });

  it('gradients', () => {
    const xs = randn([2, 9, 9, 16]);
    const ws = randn([3, 3, 16, 20], 0.2);
    const f = (a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), 8);
    const before = runtime.engine?.launches.winogradInput ?? 0;
    compareWithTfjs(() => tf.grads(f)([xs, ws]));
    // forward and the input gradient (a transposed 3×3 stride-1 convolution) both use it
    expect((runtime.engine?.launches.winogradInput ?? 0) - before).toBe(2);
    const g = (a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'), 10);
    compareWithTfjs(() => tf.grads(g)([xs, ws]));
  });
});
