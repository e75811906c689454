import { hardswish, silu } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, randn, weightedSum } from './__fixtures__/compare';
import { enableFastKernels } from './fast-kernels';

// Same-shape, scalar, per-channel and per-sample [N,1,1,C] operands run in wasm; other broadcasts, sigmoid, pooling
// and padding are plain JS (no wasm launches).
const js = { expectWasm: false };

describe('elementwise fast paths', () => {
  const x = randn([2, 5, 6, 7]);
  const same = randn([2, 5, 6, 7]);
  const channel = randn([7]);
  const channel4 = randn([1, 1, 1, 7]);
  const scalar = tf.scalar(1.5);
  const gate = randn([2, 1, 1, 7]); // per sample and channel (a squeeze-excitation scale)
  const other = randn([2, 5, 1, 7]); // a broadcast the wasm kernel does not cover
  const x1 = randn([2, 5, 6, 1]);
  const perImage = randn([2, 1, 1, 1]);

  it.each([
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
  ] as const)('%s: same shape, per-channel, scalar, either side (wasm), other broadcasts (JS)', (_, op) => {
    for (const y of [same, channel, channel4, scalar, gate]) {
      compareWithTfjs(() => op(x, y));
      compareWithTfjs(() => op(y, x));
    }
    compareWithTfjs(() => op(x, other), js);
    compareWithTfjs(() => op(other, x), js);
    // One channel: a per-image scale [N,1,1,1] of a [N,H,W,1] map (was read as a scalar, the first image's value).
    compareWithTfjs(() => op(x1, perImage), js);
    compareWithTfjs(() => op(perImage, x1), js);
  });

  it('large tensors: several work chunks per thread, odd periods, a length that is not a multiple of 4', () => {
    const big = randn([3, 37, 41, 29]); // 131,979 values, 29 channels
    const perChannel = randn([29]);
    const same = randn([3, 37, 41, 29]);
    const gate = randn([3, 1, 1, 29]);
    compareWithTfjs(() => tf.add(big, perChannel));
    compareWithTfjs(() => tf.mul(big, gate));
    compareWithTfjs(() => tf.sub(perChannel, big));
    compareWithTfjs(() => tf.mul(big, same));
    compareWithTfjs(() => tf.div(big, tf.scalar(-3)));
    compareWithTfjs(() => tf.relu(big));
    compareWithTfjs(() => tf.step(big, 0.25));
  });

  it('relu, relu6 and step (NaN propagates, alpha below zero)', () => {
    const v = tf.tensor1d([-2, -0, 0, 3, 7, NaN, Infinity, -Infinity, 0.5]);
    compareWithTfjs(() => tf.relu(v));
    compareWithTfjs(() => tf.relu6(v));
    compareWithTfjs(() => tf.step(v));
    compareWithTfjs(() => tf.step(v, 0.1));
    compareWithTfjs(() => tf.relu6(tf.mul(x, 5)));
  });

  it("SiLU (core's silu) as one kernel each way: forward with its extremes, gradient, odd lengths", () => {
    const v = tf.tensor1d([-100, -20, -1, -0, 0, 0.5, 20, 100, NaN, Infinity, -Infinity]);
    compareWithTfjs(() => silu(v));
    const big = randn([3, 17, 19, 29], 4);
    compareWithTfjs(() => silu(big));
    compareWithTfjs(() => tf.grads((a: tf.Tensor) => weightedSum(silu(a), 4))([big]));
    compareWithTfjs(() => tf.grads((a: tf.Tensor) => weightedSum(silu(a), 5))([tf.tensor1d([-30, -2, -0.5, 0, 0.25, 3, 30])]));
  });

  it("hardswish (core's) as one kernel each way: PyTorch's piecewise gradient at and around ±3, NaN, odd lengths", () => {
    const edges = tf.tensor1d([-100, -3.0001, -3, -2.9999, -1, -0, 0, 0.5, 2.9999, 3, 3.0001, 100, NaN]);
    compareWithTfjs(() => hardswish(edges));
    const big = randn([3, 17, 19, 29], 6);
    compareWithTfjs(() => hardswish(big));
    compareWithTfjs(() => tf.grads((a: tf.Tensor) => weightedSum(hardswish(a), 4))([big]));
    // Hand-worked: 0 below -3, x/3 + 1/2 from -3 to 3 (so -0.5 at -3 and 1.5 at 3), 1 above; NaN takes 1.
    const [g] = tf.grads((a: tf.Tensor) => tf.sum(hardswish(a)))([tf.tensor1d([-4, -3, 0, 1.5, 3, 4])]);
    expect(Array.from(g.dataSync())).toEqual([0, -0.5, 0.5, 1, 1.5, 1]);
    g.dispose();
  });

  it('sigmoid, including its extremes and gradient', () => {
    const v = tf.tensor1d([-100, -20, -1, -0, 0, 0.5, 20, 100, NaN, Infinity, -Infinity]);
    compareWithTfjs(() => tf.sigmoid(v));
    // The whole curve, every exponent range e^x meets, within a few float32 ulps of the exact value.
    enableFastKernels();
    const xs = Float32Array.from({ length: 48001 }, (_, i) => -120 + i * 0.005);
    const got = tf.tidy(() => tf.sigmoid(tf.tensor1d(xs)).dataSync());
    let worst = 0;
    xs.forEach((x, i) => {
      const exact = 1 / (1 + Math.exp(-x));
      if (exact > 1e-37) worst = Math.max(worst, Math.abs(got[i] - exact) / exact);
      else expect(got[i]).toBeLessThan(1e-37);
    });
    expect(worst).toBeLessThan(5e-7);
    compareWithTfjs(() => tf.sigmoid(tf.mul(x, 4)));
    compareWithTfjs(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(t, tf.sigmoid(t))))(x));
  });

  it('gradients through add/mul/relu', () => {
    const a = randn([3, 4, 5]);
    const b = randn([5]);
    compareWithTfjs(() => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.relu(tf.mul(tf.add(p, q), q))))([a, b]));
  });

  it('int32 falls back', () => {
    const i = tf.tensor1d([1, 2, 3], 'int32');
    compareWithTfjs(() => tf.add(i, i), js);
  });
});

describe('pooling and padding', () => {
  const x = randn([2, 11, 10, 6]);
  it.each([
    [3, 2, 'same'],
    [3, 2, 'valid'],
    [2, 2, 'valid'],
    [3, 1, 1],
    [7, 7, 'valid'],
  ] as const)('maxPool/avgPool %s×%s stride %s pad %s', (k, s, pad) => {
    const input = k === 7 ? randn([1, 7, 7, 20]) : x;
    compareWithTfjs(() => tf.maxPool(input as tf.Tensor4D, k, s, pad));
    // A window over the whole image is global pooling, in wasm; other windows are plain JS.
    compareWithTfjs(() => tf.avgPool(input as tf.Tensor4D, k, s, pad), k === 7 ? {} : js);
  });

  it('global average pooling: batch > 1, odd channel counts, rectangular images', () => {
    for (const shape of [
      [3, 9, 11, 130],
      [2, 1, 1, 5],
      [1, 13, 7, 3],
    ] as const) {
      const v = randn([...shape]) as tf.Tensor4D;
      compareWithTfjs(() => tf.avgPool(v, [shape[1], shape[2]], 1, 'valid'));
    }
  });

  it('maxPool: NaN never wins, all -Infinity windows, odd channel counts, explicit padding', () => {
    const values = Array.from({ length: 2 * 5 * 6 * 5 }, (_, i) => (i % 7 === 0 ? NaN : i % 11 === 0 ? -Infinity : Math.sin(i)));
    const v = tf.tensor4d(values, [2, 5, 6, 5]);
    compareWithTfjs(() => tf.maxPool(v, 2, 1, 'valid'));
    compareWithTfjs(() =>
      tf.maxPool(v, 3, 2, [
        [0, 0],
        [1, 2],
        [2, 0],
        [0, 0],
      ]),
    );
    compareWithTfjs(() => tf.maxPool(tf.fill([1, 3, 3, 6], -Infinity) as tf.Tensor4D, 2, 1, 'valid'));
  });

  it('pool gradients', () => {
    compareWithTfjs(() => tf.grads((p: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(p as tf.Tensor4D, 3, 2, 'same'), 2)))([x]), {
      expectWasm: null,
    });
    compareWithTfjs(() => tf.grads((p: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(p as tf.Tensor4D, 3, 2, 'same'), 2)))([x]), {
      expectWasm: null,
    });
  });

  it('pad (4-D constant, -Infinity as for max pooling)', () => {
    compareWithTfjs(
      () =>
        tf.pad(x, [
          [0, 0],
          [1, 2],
          [3, 0],
          [0, 0],
        ]),
      js,
    );
    compareWithTfjs(
      () =>
        tf.pad(
          x,
          [
            [1, 0],
            [1, 1],
            [1, 1],
            [2, 1],
          ],
          -Infinity,
        ),
      js,
    );
    const m = randn([3, 4]);
    compareWithTfjs(
      () =>
        tf.pad(m, [
          [1, 1],
          [2, 0],
        ]),
      js,
    );
  });
});
