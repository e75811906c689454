import { Generator, OptionError, ShapeError } from '@convkit/core';
import { expectClose } from '@convkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { leavesOnlyResult } from '../__fixtures__/leaks';
import { gaussianBlur, randomGaussianBlur } from './blur';
import { adjustBrightness, rgbToGrayscale } from './color';
import { colorJitter, randomGrayscale } from './color-jitter';
import { randomErasing, randomErasingBox } from './erasing';
import { affine, rotate } from './geometry';
import { randomAffine, randomAffineParams, randomRotation } from './random-affine';

/** Eight copies of one smooth 6×8 RGB image with values in [0.05, 0.65] (no clipping at factors ≤ 1.5). */
const batch = (n = 8) =>
  tf.tidy(() => {
    const one = tf.reshape(tf.linspace(0.05, 0.65, 6 * 8 * 3), [1, 6, 8, 3]);
    return tf.tile(one, [n, 1, 1, 1]);
  }) as tf.Tensor4D;

/** Each example as a flat array. */
const rows = (t: tf.Tensor) => tf.tidy(() => tf.unstack(t).map((r) => Array.from(r.dataSync())));

/** Runs a transform twice with the same seed: same result, one new tensor, shape kept. */
function reproducible(make: () => (x: tf.Tensor4D) => tf.Tensor4D, x: tf.Tensor4D): tf.Tensor4D {
  const a = leavesOnlyResult(() => make()(x));
  const b = make()(x);
  expect(a.arraySync()).toEqual(b.arraySync());
  expect(a).not.toBe(x);
  b.dispose();
  return a;
}

describe('colorJitter and randomGrayscale', () => {
  it('draws a brightness factor per example from its range', () => {
    const x = batch();
    const y = reproducible(() => colorJitter({ brightness: 0.5, seed: 4 }), x);
    // Brightness alone scales each image by its factor: the ratio is constant within an example, in [0.5, 1.5].
    const ratios = rows(tf.tidy(() => tf.div(y, x))).map((r) => r[0]);
    rows(tf.tidy(() => tf.div(y, x))).forEach((r, i) => {
      for (const v of r) expect(v).toBeCloseTo(ratios[i], 5);
    });
    for (const k of ratios) expect(k >= 0.5 && k <= 1.5).toBe(true);
    expect(new Set(ratios.map((k) => k.toFixed(4))).size).toBe(8);
    tf.dispose([x, y]);
  });

  it('a degenerate range is that exact adjustment; all four together stay reproducible', () => {
    const x = batch(2);
    const y = colorJitter({ brightness: [0.7, 0.7] })(x);
    const expected = adjustBrightness(x, 0.7);
    expectClose(y, expected, { atol: 0, rtol: 0 });
    const all = reproducible(() => colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, seed: 1 }), x);
    tf.dispose([x, y, expected, all]);
  });

  it('randomGrayscale turns examples grey with probability p, keeping the channels', () => {
    const x = tf.tidy(() => tf.concat([batch(32), tf.reverse(batch(32), 3)], 0)) as tf.Tensor4D;
    const y = reproducible(() => randomGrayscale({ p: 0.5, seed: 2 }), x);
    const gray = rgbToGrayscale(x, 3);
    const isGray = rows(tf.tidy(() => tf.all(tf.equal(y, gray), [1, 2, 3])));
    const isKept = rows(tf.tidy(() => tf.all(tf.equal(y, x), [1, 2, 3])));
    const count = isGray.filter((g, i) => g[0] && !isKept[i][0]).length;
    expect(isGray.every((g, i) => g[0] || isKept[i][0])).toBe(true);
    expect(count).toBeGreaterThan(16);
    expect(count).toBeLessThan(48);
    const all = randomGrayscale({ p: 1 })(x);
    expectClose(all, gray, { atol: 0, rtol: 0 });
    tf.dispose([x, y, gray, all]);
  });
});

describe('randomRotation and randomAffine', () => {
  it('a fixed angle is rotate with fill 0 (torchvision’s default), per example otherwise', () => {
    const x = batch(3);
    const fixed = randomRotation([30, 30], { interpolation: 'bilinear' })(x);
    const expected = rotate(x, 30, { interpolation: 'bilinear', fill: 0 });
    expectClose(fixed, expected, { atol: 0, rtol: 0 });
    const y = reproducible(() => randomRotation(45, { seed: 9 }), x);
    expect(new Set(rows(y).map((r) => r.join(','))).size).toBe(3);
    const one = tf.slice(x, [0], [1]) as tf.Tensor4D;
    const grown = randomRotation([45, 45], { expand: true })(one);
    expect(grown.shape.slice(1, 3)).toEqual([10, 10]);
    expect(() => randomRotation(10, { expand: true })(x)).toThrow(ShapeError);
    expect(() => randomRotation(10, { expand: true })(x)).toThrow(/randomRotation\.expand/);
    tf.dispose([x, fixed, expected, y, one, grown]);
  });

  it('randomAffineParams draws every parameter in its range (torchvision get_params)', () => {
    const g = new Generator(5);
    for (let i = 0; i < 300; i++) {
      const p = randomAffineParams([-10, 20], [0.25, 0.5], [0.8, 1.2], [-5, 5, 10, 15], [40, 30], g);
      expect(p.angle >= -10 && p.angle <= 20).toBe(true);
      expect(p.translate.every(Number.isInteger)).toBe(true);
      expect(Math.abs(p.translate[0]) <= 10 && Math.abs(p.translate[1]) <= 15).toBe(true);
      expect(p.scale >= 0.8 && p.scale <= 1.2).toBe(true);
      const [sx, sy] = p.shear as number[];
      expect(sx >= -5 && sx <= 5 && sy >= 10 && sy <= 15).toBe(true);
    }
    expect(randomAffineParams([0, 0], undefined, undefined, undefined, [4, 4], g)).toEqual({
      angle: 0,
      translate: [0, 0],
      scale: 1,
      shear: [0, 0],
    });
  });

  it('randomAffine is affine with the drawn parameters, reproducibly', () => {
    const x = batch(2);
    const fixed = randomAffine([0, 0], { scale: [1.3, 1.3], shear: [7, 7] })(x);
    const expected = affine(x, { angle: 0, translate: [0, 0], scale: 1.3, shear: [7, 0] }, { fill: 0 });
    expectClose(fixed, expected, { atol: 0, rtol: 0 });
    const y = reproducible(() => randomAffine(15, { translate: [0.2, 0.2], scale: [0.9, 1.1], shear: 10, seed: 3 }), x);
    tf.dispose([x, fixed, expected, y]);
  });
});

describe('randomErasing and randomGaussianBlur', () => {
  it('randomErasingBox draws boxes strictly inside the image with area and ratio in range', () => {
    const g = new Generator(8);
    let found = 0;
    for (let i = 0; i < 300; i++) {
      const b = randomErasingBox(40, 50, [0.02, 0.33], [0.3, 3.3], g);
      if (!b) continue;
      found++;
      expect(b.height < 40 && b.width < 50 && b.top + b.height <= 40 && b.left + b.width <= 50).toBe(true);
      expect((b.height * b.width) / 2000).toBeLessThan(0.4);
      expect(b.height / b.width).toBeLessThan(4);
    }
    expect(found).toBeGreaterThan(250);
    // A box of the whole area never fits strictly inside: torchvision then leaves the image alone.
    expect(randomErasingBox(10, 10, [1, 1], [1, 1], g)).toBeUndefined();
  });

  it('randomErasing erases one box per chosen example with the value, reproducibly', () => {
    const x = batch(16);
    const y = reproducible(() => randomErasing({ p: 0.5, value: [1, 2, 3], seed: 6 }), x);
    const changed = rows(tf.tidy(() => tf.any(tf.notEqual(y, x), [1, 2, 3])));
    const erased = changed.filter((c) => c[0]).length;
    expect(erased).toBeGreaterThan(2);
    expect(erased).toBeLessThan(14);
    // Channel 2 of erased pixels is exactly 3.
    const values = y.dataSync();
    const xs = x.dataSync();
    for (let i = 0; i < values.length; i += 3)
      if (values[i] !== xs[i]) expect([values[i], values[i + 1], values[i + 2]]).toEqual([1, 2, 3]);
    const noisy = reproducible(() => randomErasing({ p: 1, value: 'random', seed: 1 }), x);
    tf.dispose([x, y, noisy]);
  });

  it('randomGaussianBlur with one sigma is gaussianBlur; a range draws per example', () => {
    const x = batch(2);
    const fixed = randomGaussianBlur(3, { sigma: 0.8 })(x);
    const expected = gaussianBlur(x, 3, 0.8);
    expectClose(fixed, expected, { atol: 0, rtol: 0 });
    const y = reproducible(() => randomGaussianBlur([3, 5], { seed: 2 }), x);
    tf.dispose([x, fixed, expected, y]);
  });
});

describe('random transform options', () => {
  it('bad options throw OptionError naming the option', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => colorJitter({ brightness: -0.1 }), /colorJitter\.brightness/],
      [() => colorJitter({ hue: 0.6 }), /colorJitter\.hue/],
      [() => colorJitter({ saturation: [1.5, 0.5] }), /colorJitter\.saturation/],
      [() => randomGrayscale({ p: 2 }), /randomGrayscale\.p/],
      [() => randomRotation(-5), /randomRotation\.degrees/],
      [() => tf.tidy(() => randomRotation(5, { fill: [1, 2] })(batch(1))), /rotate\.fill/],
      [() => randomAffine(5, { translate: [1.5, 0] }), /randomAffine\.translate/],
      [() => randomAffine(5, { scale: [0, 1] }), /randomAffine\.scale/],
      [() => randomAffine(5, { shear: [1, 2, 3] }), /randomAffine\.shear/],
      [() => randomErasing({ scale: [0.5, 1.5] }), /randomErasing\.scale/],
      [() => randomErasing({ ratio: [0, 1] }), /randomErasing\.ratio/],
      [() => randomErasing({ value: 'noise' as 'random' }), /randomErasing\.value/],
      [() => randomGaussianBlur(2), /randomGaussianBlur\.kernelSize/],
      [() => randomGaussianBlur(3, { sigma: [2, 1] }), /randomGaussianBlur\.sigma/],
    ];
    for (const [make, pattern] of cases) {
      expect(make).toThrow(OptionError);
      expect(make).toThrow(pattern);
    }
  });
});
