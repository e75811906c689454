import { Generator, OptionError, ShapeError } from '@convkit/core';
import { expectClose } from '@convkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cutmixBatch, cutmixBox, mixupBatch, randomCutmix, randomMixup } from './mixup';
import { beta, gamma } from './random-draws';

/** Three 1×2 single-channel images filled with 1, 2, 3, and their one-hot labels over 3 classes. */
const small = () => ({
  images: tf.tensor4d([1, 1, 2, 2, 3, 3], [3, 1, 2, 1]),
  targets: tf.tensor2d([1, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3]),
});

/** Tensors before/after: everything `fn` returns is in `keep`, nothing else is left. */
function leaves<T>(fn: () => T, keep: (r: T) => tf.Tensor[]): T {
  const before = tf.memory().numTensors;
  const r = fn();
  expect(tf.memory().numTensors).toBe(before + keep(r).length);
  return r;
}

describe('mixup and cutmix formulas (torchvision references/classification/transforms.py)', () => {
  it('mixupBatch: λ·x + (1 − λ)·x.roll(1, 0), for images and targets (hand-worked)', () => {
    const { images, targets } = small();
    const out = leaves(
      () => mixupBatch(images, targets, 0.25),
      (r) => [r.images, r.targets],
    );
    // Rolled by one the batch is [3, 1, 2]: 0.25·[1, 2, 3] + 0.75·[3, 1, 2].
    expect(Array.from(out.images.dataSync())).toEqual([2.5, 2.5, 1.25, 1.25, 2.25, 2.25]);
    expectClose(out.targets, tf.tensor2d([0.25, 0, 0.75, 0.75, 0.25, 0, 0, 0.75, 0.25], [3, 3]), { atol: 1e-7, rtol: 0 });
    expect(out.lambda).toBe(0.25);
    tf.dispose([images, targets, out.images, out.targets]);
  });

  it('cutmixBox: half-sides int(0.5·√(1 − λ)·side) around the centre, clipped (hand-worked)', () => {
    // λ = 0.75: r = 0.25, half-width int(0.25·20) = 5, half-height int(0.25·10) = 2; centre (3, 8).
    expect(cutmixBox(0.75, 10, 20, 3, 8)).toEqual({ top: 6, left: 0, height: 4, width: 8 });
    expect(cutmixBox(1, 10, 20, 3, 8)).toEqual({ top: 8, left: 3, height: 0, width: 0 });
    expect(cutmixBox(0, 4, 4, 2, 2)).toEqual({ top: 0, left: 0, height: 4, width: 4 });
  });

  it('cutmixBatch: pastes the box from the rolled batch and sets λ = 1 − box area / image area', () => {
    const images = tf.tidy(() => tf.concat([tf.ones([1, 4, 5, 1]), tf.fill([1, 4, 5, 1], 2)], 0)) as tf.Tensor4D;
    const targets = tf.tensor2d([1, 0, 0, 1], [2, 2]);
    const out = leaves(
      () => cutmixBatch(images, targets, { top: 1, left: 2, height: 2, width: 3 }),
      (r) => [r.images, r.targets],
    );
    expect(out.lambda).toBeCloseTo(1 - 6 / 20, 12);
    const y = out.images.arraySync() as number[][][][];
    expect(y[0][1].map((v) => v[0])).toEqual([1, 1, 2, 2, 2]);
    expect(y[0][0].map((v) => v[0])).toEqual([1, 1, 1, 1, 1]);
    expect(y[1][2].map((v) => v[0])).toEqual([2, 2, 1, 1, 1]);
    expectClose(out.targets, tf.tensor2d([0.7, 0.3, 0.3, 0.7], [2, 2]), { atol: 1e-7, rtol: 0 });
    tf.dispose([images, targets, out.images, out.targets]);
  });
});

describe('random mixup / cutmix', () => {
  const labels = () => tf.tensor1d([0, 2, 1, 2], 'int32');
  const images = () => tf.tidy(() => tf.reshape(tf.range(0, 4 * 3 * 4 * 2, 1, 'float32'), [4, 3, 4, 2])) as tf.Tensor4D;

  it('randomMixup with p = 1 is mixupBatch at the drawn λ on one-hot labels, reproducibly', () => {
    const [x, y] = [images(), labels()];
    const a = leaves(
      () => randomMixup({ numClasses: 3, p: 1, alpha: 0.4, seed: 5 })(x, y),
      (r) => [r.images, r.targets],
    );
    const b = randomMixup({ numClasses: 3, p: 1, alpha: 0.4, seed: 5 })(x, y);
    expect(a.lambda).toBe(b.lambda);
    expect(a.lambda > 0 && a.lambda < 1).toBe(true);
    const oneHot = tf.tensor2d([1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1], [4, 3]);
    const direct = mixupBatch(x, oneHot, a.lambda);
    expectClose(a.images, direct.images, { atol: 0, rtol: 0 });
    expectClose(a.targets, direct.targets, { atol: 0, rtol: 0 });
    tf.dispose([x, y, a.images, a.targets, b.images, b.targets, oneHot, direct.images, direct.targets]);
  });

  it('with p = 0 the batch is copied and the labels become one-hot (λ = 1)', () => {
    const [x, y] = [images(), labels()];
    const out = randomCutmix({ numClasses: 3, p: 0 })(x, y);
    expect(out.lambda).toBe(1);
    expect(out.images).not.toBe(x);
    expectClose(out.images, x, { atol: 0, rtol: 0 });
    expect(out.targets.arraySync()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    tf.dispose([x, y, out.images, out.targets]);
  });

  it('randomCutmix: the pasted area agrees with the corrected λ', () => {
    const [x, y] = [images(), labels()];
    for (const seed of [1, 2, 3, 4]) {
      const out = randomCutmix({ numClasses: 3, p: 1, seed })(x, y);
      // Every example differs from its neighbour everywhere, so changed pixels are the box.
      const changed = tf.tidy(() => tf.sum(tf.cast(tf.any(tf.notEqual(out.images, x), 3), 'float32')).dataSync()[0]);
      expect(changed / (4 * 12)).toBeCloseTo(1 - out.lambda, 10);
      tf.dispose([out.images, out.targets]);
    }
    tf.dispose([x, y]);
  });

  it('Beta via Gamma draws has the right moments', () => {
    const g = new Generator(11);
    const moments = (draw: () => number, n = 4000) => {
      const v = Array.from({ length: n }, draw);
      const mean = v.reduce((a, b) => a + b, 0) / n;
      return [mean, v.reduce((a, b) => a + (b - mean) ** 2, 0) / n];
    };
    // Gamma(k): mean k, variance k. Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)).
    for (const k of [0.3, 1, 4.5]) {
      const [m, v] = moments(() => gamma(g, k));
      expect(Math.abs(m - k)).toBeLessThan(0.1 * Math.max(1, k));
      expect(Math.abs(v - k)).toBeLessThan(0.25 * Math.max(1, k));
    }
    for (const a of [0.2, 1]) {
      const [m, v] = moments(() => beta(g, a, a));
      expect(Math.abs(m - 0.5)).toBeLessThan(0.03);
      expect(Math.abs(v - 1 / (4 * (2 * a + 1)))).toBeLessThan(0.02);
    }
  });

  it('bad options and inputs get typed errors naming them', () => {
    const [x, y] = [images(), labels()];
    expect(() => randomMixup({ numClasses: 0 })).toThrow(/randomMixup\.numClasses/);
    expect(() => randomCutmix({ numClasses: 3, alpha: 0 })).toThrow(/randomCutmix\.alpha/);
    expect(() => randomMixup({ numClasses: 3, p: -1 })).toThrow(OptionError);
    const bad = tf.tensor1d([0, 3, 1, 2], 'int32');
    expect(() => randomMixup({ numClasses: 3 })(x, bad)).toThrow(/randomMixup\.labels.*got 3/);
    const floats = tf.tensor1d([0, 1, 1, 2]);
    expect(() => randomMixup({ numClasses: 3 })(x, floats)).toThrow(ShapeError);
    const targets = tf.zeros([3, 3]) as tf.Tensor2D;
    expect(() => mixupBatch(x, targets, 0.5)).toThrow(/mixupBatch\.targets/);
    const soft = tf.zeros([4, 3]) as tf.Tensor2D;
    expect(() => mixupBatch(x, soft, 1.5)).toThrow(/mixupBatch\.lambda/);
    expect(() => cutmixBatch(x, soft, { top: 2, left: 0, height: 2, width: 1 })).toThrow(/cutmixBatch\.box/);
    tf.dispose([x, y, bad, floats, targets, soft]);
  });
});
