import { Conv2DResidualKernel, conv2d, ShapeError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, randn, weightedSum } from './__fixtures__/compare';
import { enableFastKernels } from './fast-kernels';
import { runtime } from './kernels/common';

// act(conv(x) + bias + residual) through the fused kernel, against core's separate tfjs ops
// (what runs when the kernel is not registered, i.e. with the fast kernels off).
describe('conv2d with a fused residual add (ConvkitConv2DResidual)', () => {
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
        conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { stride, padding, dilation, bias: c as tf.Tensor1D, residual: r as tf.Tensor4D, activation });
      compareWithTfjs(() => run(x, w, bias, residual));
      compareWithTfjs(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, r: tf.Tensor) => weightedSum(run(a, b, c, r), 7))([x, w, bias, residual]));
    }
    tf.dispose([y, residual]);
  });

  it('runs as one kernel call, without separate Add or Relu', () => {
    enableFastKernels();
    const x = randn([1, 6, 6, 8]) as tf.Tensor4D;
    const w = randn([1, 1, 8, 8]) as tf.Tensor4D;
    const profile = tf.tidy(() => {
      const names: string[] = [];
      const original = tf.engine().runKernel.bind(tf.engine());
      tf.engine().runKernel = (name, ...rest) => {
        names.push(name);
        return original(name, ...rest);
      };
      try {
        conv2d(x, w, { residual: x, activation: 'relu' });
      } finally {
        tf.engine().runKernel = original;
      }
      return names;
    });
    expect(profile).toContain(Conv2DResidualKernel);
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
