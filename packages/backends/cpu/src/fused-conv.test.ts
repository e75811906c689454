import { FusedConvKernel, activation as applyActivation, conv2d, ShapeError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, randn, weightedSum } from './__fixtures__/compare';
import { disableFastKernels, enableFastKernels } from './fast-kernels';
import { scalarActivation } from './kernels/fused-conv';
import { runtime } from './registry';

/** The kernels `fn` runs, in order. */
function kernelsRun(fn: () => unknown): string[] {
  return tf.tidy(() => {
    const names: string[] = [];
    const original = tf.engine().runKernel.bind(tf.engine());
    tf.engine().runKernel = (name, ...rest) => {
      names.push(name);
      return original(name, ...rest);
    };
    try {
      fn();
    } finally {
      tf.engine().runKernel = original;
    }
    return names;
  });
}

// act(conv(x) + bias + residual) through the fused kernel, against core's separate tfjs ops
// (what runs when the kernel is not registered, i.e. with the fast kernels off).
describe('conv2d with a fused residual add (ConvkitFusedConv2D)', () => {
  it.each([
    ['1×1 (GEMM, the last conv of a bottleneck)', [2, 7, 7, 24], [1, 1, 24, 40], 1, 0, 1],
    ['3×3 stride 1, 16+ channels (Winograd, the basic block)', [2, 9, 11, 16], [3, 3, 16, 20], 1, 1, 1],
    ['3×3 stride 2, odd channels (im2col)', [1, 9, 9, 5], [3, 3, 5, 7], 2, 1, 1],
    ['3×3 dilation 2', [1, 10, 10, 8], [3, 3, 8, 8], 1, 2, 2],
  ] as const)('%s: forward and gradients, relu and linear', (_, xs, ws, stride, padding, dilation) => {
    const x = randn([...xs]) as tf.Tensor4D;
    const w = randn([...ws], 0.3) as tf.Tensor4D;
    const bias = randn([ws[3]]) as tf.Tensor1D;
    const y = tf.tidy(() => conv2d(x, w, { stride, padding, dilation }));
    const residual = randn(y.shape) as tf.Tensor4D;
    for (const activation of ['relu', 'linear'] as const) {
      const run = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, r: tf.Tensor) =>
        conv2d(a as tf.Tensor4D, b as tf.Tensor4D, {
          stride,
          padding,
          dilation,
          bias: c as tf.Tensor1D,
          residual: r as tf.Tensor4D,
          activation,
        });
      compareWithTfjs(() => run(x, w, bias, residual));
      compareWithTfjs(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, r: tf.Tensor) => weightedSum(run(a, b, c, r), 7))([x, w, bias, residual]),
      );
    }
    tf.dispose([y, residual]);
  });

  it('runs as one kernel call, without separate Add or Relu', () => {
    enableFastKernels();
    const x = randn([1, 6, 6, 8]) as tf.Tensor4D;
    const w = randn([1, 1, 8, 8]) as tf.Tensor4D;
    const profile = kernelsRun(() => conv2d(x, w, { residual: x, activation: 'relu' }));
    expect(profile).toContain(FusedConvKernel);
    expect(profile).not.toContain('Add');
    expect(profile).not.toContain('Relu');
    expect(runtime.engine?.launches.gemm).toBeGreaterThan(0);
  });

  it('a residual of the wrong shape is a ShapeError naming both shapes', () => {
    const x = tf.zeros([1, 5, 5, 3]) as tf.Tensor4D;
    const w = tf.zeros([3, 3, 3, 4]) as tf.Tensor4D;
    expect(() => conv2d(x, w, { padding: 1, residual: tf.zeros([1, 5, 5, 3]) as tf.Tensor4D })).toThrow(ShapeError);
    expect(() => conv2d(x, w, { padding: 1, residual: tf.zeros([1, 5, 5, 3]) as tf.Tensor4D })).toThrow(/\[1,5,5,4\].*\[1,5,5,3\]/);
  });
});

// The epilogue activations of EfficientNet (SiLU, the SE gate's sigmoid) and MobileNet (ReLU6,
// and MobileNetV3's hardswish and its SE gate's hardsigmoid), on plain and depthwise convolutions;
// the reference is core's separate tfjs ops (hardswish / hardsigmoid through tfjs's relu6).
describe('conv2d with bias and SiLU / sigmoid / ReLU6 / hardswish / hardsigmoid in the epilogue', () => {
  const activations = ['silu', 'sigmoid', 'relu6', 'relu', 'linear', 'hardswish', 'hardsigmoid'] as const;
  it.each([
    ['1×1 (an MBConv expand conv)', [2, 7, 9, 24], [1, 1, 24, 40], 1, 0, 1],
    ['3×3 stride 2, odd channels (the stem)', [1, 11, 9, 3], [3, 3, 3, 10], 2, 1, 1],
    ['3×3 stride 1, 16 channels (Winograd)', [1, 8, 8, 16], [3, 3, 16, 16], 1, 1, 1],
    ['1×1 on a pooled [N,1,1,C] (an SE block)', [3, 1, 1, 20], [1, 1, 20, 5], 1, 0, 1],
    ['depthwise 3×3 stride 1, 7 channels', [2, 9, 8, 7], [3, 3, 1, 7], 1, 1, 7],
    ['depthwise 5×5 stride 2, 18 channels', [1, 13, 11, 18], [5, 5, 1, 18], 2, 2, 18],
    ['depthwise 3×3 stride 2, tf-same at an odd size', [2, 9, 9, 12], [3, 3, 1, 12], 2, 'tf-same', 12],
    ['depthwise 5×5 stride 1, tf-same', [1, 7, 10, 5], [5, 5, 1, 5], 1, 'tf-same', 5],
  ] as const)('%s: every activation, one kernel call', (_, xs, ws, stride, padding, groups) => {
    const x = randn([...xs]) as tf.Tensor4D;
    const w = randn([...ws], 0.3) as tf.Tensor4D;
    const bias = randn([ws[3]]) as tf.Tensor1D;
    for (const activation of activations) {
      compareWithTfjs(() => conv2d(x, w, { stride, padding, groups, bias, activation }));
      enableFastKernels();
      const names = kernelsRun(() => conv2d(x, w, { stride, padding, groups, bias, activation }));
      expect(names.filter((n) => n !== 'Reshape')).toEqual([FusedConvKernel]);
    }
  });

  it('gradients while recording: SiLU and sigmoid run as separate ops (no recomputed convolution), same values', () => {
    const x = randn([2, 6, 6, 8]) as tf.Tensor4D;
    const w = randn([3, 3, 1, 8], 0.3) as tf.Tensor4D;
    const bias = randn([8]) as tf.Tensor1D;
    for (const activation of ['silu', 'sigmoid', 'relu6', 'hardswish', 'hardsigmoid'] as const) {
      const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        weightedSum(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { padding: 1, groups: 8, bias: c as tf.Tensor1D, activation }), 3);
      compareWithTfjs(() => tf.grads(f)([x, w, bias]));
    }
  });

  it.each([
    ['plain 3×3, with a residual for linear and relu', false],
    ['depthwise 3×3', true],
  ] as const)("the kernel's own gradient for every activation (%s), against tfjs's autodiff of the separate ops", (_, depthwise) => {
    enableFastKernels();
    const x = randn([2, 7, 6, 8]);
    const w = randn(depthwise ? [3, 3, 8, 1] : [3, 3, 8, 8], 0.3);
    const bias = randn([8]);
    const residual = randn([2, 4, 3, 8]);
    const attrs = {
      strides: [2, 2],
      pad: [
        [0, 0],
        [1, 1],
        [1, 0],
        [0, 0],
      ] as tf.backend_util.ExplicitPadding,
    };
    for (const activation of activations) {
      const withResidual = !depthwise && (activation === 'linear' || activation === 'relu');
      const fused = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, r?: tf.Tensor) => {
        conv2d(tf.zeros([1, 3, 3, 8]) as tf.Tensor4D, tf.zeros([1, 1, 8, 8]) as tf.Tensor4D, { bias: tf.zeros([8]) as tf.Tensor1D }); // registers the gradient
        const inputs = { x: a, filter: b, bias: c, ...(r ? { residual: r } : {}) };
        return weightedSum(tf.engine().runKernel(FusedConvKernel, inputs, { ...attrs, activation, depthwise }) as tf.Tensor, 5);
      };
      const separate = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, r?: tf.Tensor) => {
        const conv = depthwise
          ? tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, attrs.pad)
          : tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, attrs.pad);
        const z = tf.add(tf.add(conv, c), r ?? 0);
        return weightedSum(applyActivation(z, activation), 5);
      };
      const inputs = withResidual ? [x, w, bias, residual] : [x, w, bias];
      const got = tf.tidy(() =>
        tf
          .grads(fused)(inputs)
          .map((g) => g.arraySync()),
      );
      const want = tf.tidy(() =>
        tf
          .grads(separate)(inputs)
          .map((g) => g.arraySync()),
      );
      got.forEach((g, i) => expectCloseArrays(g, want[i]));
    }
  });
});

function expectCloseArrays(a: unknown, b: unknown): void {
  const fa = [a].flat(Infinity as 1) as number[];
  const fb = [b].flat(Infinity as 1) as number[];
  const scale = Math.max(...fb.map(Math.abs), 1e-6);
  expect(fa.length).toBe(fb.length);
  fa.forEach((v, i) => expect(Math.abs(v - fb[i])).toBeLessThanOrEqual(1e-4 * scale));
}

// Pre-activations at the kinks of hardswish / hardsigmoid (±3), just beside them, at 0 and -0,
// large, huge and NaN: through an identity 1×1 conv (GEMM epilogue) and a depthwise conv with
// unit taps (depthwise epilogue), against core's relu6-based formula on tfjs's ops.
describe('hardswish / hardsigmoid epilogues at their edge values', () => {
  const edges = [-1e30, -1e4, -100, -6, -3.0001, -3, -2.9999, -1.5, -0, 0, 0.5, 2.9999, 3, 3.0001, 6, 100, 1e4, 1e30, Number.NaN];
  const C = edges.length;
  const x = (n = C) => tf.tensor4d(edges.slice(0, n), [1, 1, 1, n]);
  it.each(['hardswish', 'hardsigmoid', 'relu6', 'silu', 'sigmoid'] as const)('%s', (activation) => {
    // (The identity GEMM leaves NaN out: 0·NaN would reach every output.)
    const eye = tf.reshape(tf.eye(C - 1), [1, 1, C - 1, C - 1]) as tf.Tensor4D;
    const ones = tf.ones([1, 1, 1, C]) as tf.Tensor4D;
    compareWithTfjs(() => conv2d(x(C - 1), eye, { bias: tf.zeros([C - 1]) as tf.Tensor1D, activation }), { rtol: 1e-6 });
    compareWithTfjs(() => conv2d(x(), ones, { bias: tf.zeros([C]) as tf.Tensor1D, activation, groups: C }), { rtol: 1e-6 });
    enableFastKernels();
    if (activation.startsWith('hard')) {
      for (const got of [
        Array.from(conv2d(x(C - 1), eye, { bias: tf.zeros([C - 1]) as tf.Tensor1D, activation }).dataSync()),
        Array.from(conv2d(x(), ones, { bias: tf.zeros([C]) as tf.Tensor1D, activation, groups: C }).dataSync()),
      ]) {
        const at = (v: number) => got[edges.indexOf(v)];
        expect(at(-3) === 0).toBe(true); // (hardswish gives -0 there, as PyTorch's x · 0 does)
        expect(at(3)).toBe(activation === 'hardswish' ? 3 : 1);
        expect(at(1e30)).toBe(activation === 'hardswish' ? Math.fround(1e30) : 1);
        expect(at(-1e30) === 0).toBe(true);
        if (got.length === C) expect(got[C - 1]).toBeNaN();
      }
    }
  });

  it("the JS path's activations (no wasm) agree with the formula at the same values", () => {
    const ref = (name: 'hardswish' | 'hardsigmoid') => {
      disableFastKernels();
      try {
        return Array.from(applyActivation(x(), name).dataSync());
      } finally {
        enableFastKernels();
      }
    };
    for (const name of ['hardswish', 'hardsigmoid'] as const) {
      const want = ref(name);
      const got = edges.map((v) => Math.fround(scalarActivation[name](v)));
      got.forEach((g, i) => (Number.isNaN(want[i]) ? expect(g).toBeNaN() : expect(g).toBeCloseTo(want[i], 6)));
    }
  });
});
