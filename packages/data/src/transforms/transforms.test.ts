import { Generator, OptionError, ShapeError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type EncodedTensor, expectClose, toTensor } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import { leavesOnlyResult } from '../__fixtures__/leaks';
import { compose } from './compose';
import { centerCrop, crop, roundHalfEven } from './crop';
import { horizontalFlip, randomHorizontalFlip } from './flip';
import { type InterpolationMode, axisTaps } from './interpolation';
import { IMAGENET_MEAN, IMAGENET_STD, normalize } from './normalize';
import { randomResizedCrop, randomResizedCropBox } from './random-resized-crop';
import { interpolate, resize } from './resize';
import { toTensor as imagesToTensor } from './to-tensor';
import { itMatchesEachCase } from '../__fixtures__/fixture-cases';

interface Case {
  meta: Record<string, unknown> & { op: string };
  y: EncodedTensor;
}
const fixture = readJson<{ x: EncodedTensor; cases: Record<string, Case> }>(new URL('../__fixtures__/transforms.json', import.meta.url));

/** Builds our transform for a fixture case (all cases were made by scripts/fixtures/data.py). */
function run(x: tf.Tensor4D, m: Case['meta']): tf.Tensor4D {
  switch (m.op) {
    case 'interpolate':
      return interpolate(x, m.size as [number, number], { mode: m.mode as InterpolationMode, antialias: m.antialias as boolean });
    case 'resize':
      return resize(m.size as number, {
        interpolation: m.interpolation as InterpolationMode,
        antialias: m.antialias as boolean,
        maxSize: (m.maxSize as number) ?? undefined,
      })(x);
    case 'centerCrop':
      return centerCrop(m.size as [number, number])(x);
    case 'crop': {
      const [top, left, h, w] = m.box as number[];
      return crop(x, top, left, h, w);
    }
    case 'normalize':
      return normalize(m.mean as number[], m.std as number[])(x);
    case 'hflip':
      return horizontalFlip(x);
    case 'composeEval':
      return compose([resize(m.resize as number), centerCrop(m.crop as number), normalize(IMAGENET_MEAN, IMAGENET_STD)])(x);
    default:
      throw new Error(`unknown op ${m.op}`);
  }
}

// Measured max |diff| vs PyTorch: 0 for nearest/crop/flip, <= 5e-7 bilinear, <= 9e-7 bicubic (its
// weights are evaluated in float64 here, float32 in PyTorch), ~1e-6 after normalize's 1/std. One bound.
const TOLERANCE = { atol: 1e-5, rtol: 0 };

describe('transforms against torchvision 0.14 / PyTorch 1.13', () => {
  const x = toTensor(fixture.x) as tf.Tensor4D;
  itMatchesEachCase(fixture.cases, x, run, TOLERANCE);
});

describe('interpolation details', () => {
  it('rounds like Python (half to even) when centring', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2, -0.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, -0]);
  });

  it('antialias taps sum to one and cover the whole input when shrinking', () => {
    const { taps, index, weight } = axisTaps(100, 7, 'bicubic', true);
    for (let o = 0; o < 7; o++) {
      let s = 0;
      for (let k = 0; k < taps; k++) s += weight[k * 7 + o];
      expect(s).toBeCloseTo(1, 6);
    }
    expect(Math.min(...index)).toBe(0);
    expect(Math.max(...index)).toBe(99);
  });

  it('returns a new tensor even when the size is unchanged', () => {
    const x = tf.ones([1, 3, 3, 1]) as tf.Tensor4D;
    const y = leavesOnlyResult(() => interpolate(x, [3, 3]));
    expect(y).not.toBe(x);
    y.dispose();
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });

  it('checks its input and options', () => {
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    const rank3 = tf.zeros([4, 4, 1]) as unknown as tf.Tensor4D;
    const ints = tf.zeros([1, 4, 4, 1], 'int32') as tf.Tensor4D;
    expect(() => interpolate(rank3, 2)).toThrow(/rank 4 NHWC, got rank 3 shape \[4,4,1\]/);
    expect(() => interpolate(ints, 2)).toThrow(/float32 .* got int32/);
    expect(() => interpolate(x, [0, 2])).toThrow(OptionError);
    expect(() => interpolate(x, 2, { mode: 'area' as InterpolationMode })).toThrow(/interpolate\.mode/);
    expect(() => interpolate(x, 2, { mode: 'nearest', antialias: true })).toThrow(/antialias needs/);
    expect(() => resize(4, { maxSize: 3 })).toThrow(/resize\.maxSize/);
    expect(() => normalize([0.5], [0])).toThrow(/normalize\.std\[0\]/);
    expect(() => normalize([0.5, 0.5], [1, 1])(x)).toThrow(ShapeError);
    expect(() => normalize([0.5, 0.5], [1, 1])(x)).toThrow(/1 channels but mean\/std have 2/);
    tf.dispose([x, rank3, ints]);
  });
});

describe('random transforms', () => {
  const batch = () => tf.tidy(() => tf.reshape(tf.range(0, 2 * 6 * 8 * 3, 1, 'float32'), [2, 6, 8, 3])) as tf.Tensor4D;

  it('randomHorizontalFlip is reproducible by seed and flips per example', () => {
    const x = tf.tidy(() => tf.tile(tf.slice(batch(), [0, 0, 0, 0], [1, -1, -1, -1]), [64, 1, 1, 1])) as tf.Tensor4D;
    const a = leavesOnlyResult(() => randomHorizontalFlip({ seed: 7 })(x));
    const b = randomHorizontalFlip({ seed: 7 })(x);
    expect(a.arraySync()).toEqual(b.arraySync());
    const flipped = tf.tidy(() => tf.reverse(x, 2));
    const rows = tf.tidy(() => tf.all(tf.equal(a, flipped), [1, 2, 3]).arraySync()) as unknown as boolean[];
    const kept = tf.tidy(() => tf.all(tf.equal(a, x), [1, 2, 3]).arraySync()) as unknown as boolean[];
    rows.forEach((f, i) => expect(f !== kept[i]).toBe(true));
    const count = rows.filter(Boolean).length;
    expect(count).toBeGreaterThan(16);
    expect(count).toBeLessThan(48);
    expect(tf.tidy(() => randomHorizontalFlip({ p: 0 })(x).arraySync())).toEqual(x.arraySync());
    expect(() => randomHorizontalFlip({ p: 1.5 })).toThrow(/randomHorizontalFlip\.p/);
    tf.dispose([x, a, b, flipped]);
  });

  it('randomResizedCropBox follows torchvision get_params (areas and ratios in range, or the centre fallback)', () => {
    const g = new Generator(3);
    for (let i = 0; i < 200; i++) {
      const b = randomResizedCropBox(60, 80, [0.08, 1], [3 / 4, 4 / 3], g);
      expect(b.top >= 0 && b.left >= 0 && b.top + b.height <= 60 && b.left + b.width <= 80).toBe(true);
      const area = (b.height * b.width) / 4800;
      expect(area).toBeGreaterThan(0.06);
      expect(b.width / b.height).toBeGreaterThan(0.7);
      expect(b.width / b.height).toBeLessThan(1.4);
    }
    // No box of 50–60 % area with ratio 10..11 fits in 10×10: fall back to the widest centred crop.
    expect(randomResizedCropBox(10, 10, [0.5, 0.6], [10, 11], g)).toEqual({ top: 4, left: 0, height: 1, width: 10 });
  });

  it('randomResizedCrop gives the asked size, reproducibly, without leaks', () => {
    const x = batch();
    const t = () => randomResizedCrop([5, 4], { seed: 11 });
    const a = leavesOnlyResult(() => t()(x));
    const b = t()(x);
    expect(a.shape).toEqual([2, 5, 4, 3]);
    expect(a.arraySync()).toEqual(b.arraySync());
    // With scale [1, 1] and ratio = the image's, the crop is the whole image: a plain resize.
    const whole = randomResizedCrop([3, 4], { scale: [1, 1], ratio: [8 / 6, 8 / 6], seed: 1 })(x);
    const plain = interpolate(x, [3, 4]);
    expectClose(whole, plain, { atol: 1e-5, rtol: 0 });
    expect(() => randomResizedCrop(4, { scale: [0.9, 0.1] })).toThrow(/randomResizedCrop\.scale/);
    tf.dispose([x, a, b, whole, plain]);
  });

  it('compose disposes the intermediates and never aliases its input', () => {
    const x = batch();
    const t = compose([resize(4), centerCrop(3), randomHorizontalFlip({ seed: 1 }), normalize([0, 0, 0], [2, 2, 2])]);
    const y = leavesOnlyResult(() => t(x));
    expect(y.shape).toEqual([2, 3, 3, 3]);
    const same = compose([])(x);
    expect(same).not.toBe(x);
    tf.dispose([x, y, same]);
  });
});

describe('toTensor', () => {
  it('scales uint8 HWC to float [0,1] NHWC and stacks same-size images', () => {
    const im = { data: Uint8Array.from([0, 51, 255, 102, 204, 255]), height: 1, width: 2, channels: 3 };
    const t = leavesOnlyResult(() => imagesToTensor([im, im]));
    expect(t.shape).toEqual([2, 1, 2, 3]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.dataSync().slice(0, 6))).toEqual([0, 51, 255, 102, 204, 255].map((v) => Math.fround(v / 255)));
    t.dispose();
    expect(() => imagesToTensor([im, { ...im, width: 1 }])).toThrow(/images\[1\]: expected \[1,2,3\]/);
    expect(() => imagesToTensor({ ...im, height: 2 })).toThrow(/needs|must have/);
  });
});
