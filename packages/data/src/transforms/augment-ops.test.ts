import { OptionError, ShapeError } from '@convkit/core';
import { type EncodedTensor, expectClose } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gaussianBlur } from './blur';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, rgbToGrayscale } from './color';
import { erase } from './erasing';
import { type GridInterpolation, affine, rotate } from './geometry';
import { adjustSharpness, autocontrast, equalize, equalizeTable, invert, posterize, solarize } from './tone';
import { itMatchesEachCase } from '../__fixtures__/fixture-cases';

interface Case {
  meta: Record<string, unknown> & { op: string };
  y: EncodedTensor;
}
// Made by scripts/fixtures/augmentations.py: torchvision 0.14 on one 3×7×10 uint8-valued image.
const fixture = readJson<{ image: EncodedTensor; cases: Record<string, Case> }>(
  new URL('../__fixtures__/augment-ops.json', import.meta.url),
);

/** Our op for a fixture case. */
function run(x: tf.Tensor4D, m: Case['meta']): tf.Tensor4D {
  const factor = m.factor as number;
  const grid = {
    interpolation: m.interpolation as GridInterpolation,
    fill: (m.fill as number[] | undefined) ?? undefined,
    center: (m.center as [number, number] | undefined) ?? undefined,
  };
  switch (m.op) {
    case 'adjustBrightness':
      return adjustBrightness(x, factor);
    case 'adjustContrast':
      return adjustContrast(x, factor);
    case 'adjustSaturation':
      return adjustSaturation(x, factor);
    case 'adjustSharpness':
      return adjustSharpness(x, factor);
    case 'adjustHue':
      return adjustHue(x, factor);
    case 'rgbToGrayscale':
      return rgbToGrayscale(x, m.channels as 1 | 3);
    case 'invert':
      return invert(x);
    case 'solarize':
      return solarize(x, m.threshold as number);
    case 'autocontrast':
      return autocontrast(x);
    case 'posterize':
      return posterize(x, m.bits as number);
    case 'equalize':
      return equalize(x);
    case 'rotate':
      return rotate(x, m.angle as number, { ...grid, expand: m.expand as boolean | undefined });
    case 'affine': {
      const params = {
        angle: m.angle as number,
        translate: m.translate as [number, number],
        scale: m.scale as number,
        shear: m.shear as number[],
      };
      return affine(x, params, grid);
    }
    case 'gaussianBlur':
      return gaussianBlur(x, m.kernelSize as number[], (m.sigma as number[] | null) ?? undefined);
    case 'erase': {
      const [top, left, h, w] = m.box as number[];
      return erase(x, top, left, h, w, m.value as number | number[]);
    }
    default:
      throw new Error(`unknown op ${m.op}`);
  }
}

// The fixture keeps 6 decimals: measured max |diff| is <= 7e-7 for every case (that rounding, and
// float32 order of operations); nearest sampling and the uint8-level ops pick exactly the same values.
const TOLERANCE = { atol: 1e-5, rtol: 0 };
const image = () => tf.tidy(() => tf.div(tf.tensor(fixture.image.data, fixture.image.shape, 'float32'), 255)) as tf.Tensor4D;

describe('augmentation ops against torchvision 0.14', () => {
  const x = image();
  itMatchesEachCase(fixture.cases, x, run, TOLERANCE);

  it('treats every image of a batch on its own (contrast mean, autocontrast range, equalize histogram)', () => {
    const pair = tf.tidy(() => tf.concat([x, tf.mul(x, 0.5)], 0)) as tf.Tensor4D;
    for (const op of [(t: tf.Tensor4D) => adjustContrast(t, 0.4), autocontrast, equalize, (t: tf.Tensor4D) => adjustHue(t, 0.2)]) {
      const [whole, first, second] = [op(pair), op(x), tf.tidy(() => op(tf.slice(pair, [1], [1])))];
      const both = tf.concat([first, second], 0);
      expectClose(whole, both, { atol: 1e-6, rtol: 0 });
      tf.dispose([whole, first, second, both]);
    }
    pair.dispose();
  });
});

describe('augmentation op details', () => {
  it('equalize follows torchvision _scale_channel on a hand-worked histogram', () => {
    // 300 pixels: 100 at level 10, 100 at 20, 100 at 200. step = (300 − 100) // 255 = 0: unchanged.
    const flat = new Array<number>(256).fill(0);
    flat[10] = flat[20] = flat[200] = 100;
    expect(equalizeTable(flat)).toBeUndefined();
    // 1000 at level 0, 510 at 1, 10 at 2: step = 1510 // 255 = 5, lut[v] = (cumsum[v − 1] + 2) // 5.
    const hist = new Array<number>(256).fill(0);
    [hist[0], hist[1], hist[2]] = [1000, 510, 10];
    const lut = equalizeTable(hist)!;
    expect(lut.slice(0, 4)).toEqual([0, 200, 255, 255]);
  });

  it('rotating by 90° about the centre of a square image is a transpose and flip', () => {
    const x = tf.tidy(() => tf.reshape(tf.range(0, 16, 1, 'float32'), [1, 4, 4, 1])) as tf.Tensor4D;
    const y = rotate(x, 90);
    // Counter-clockwise: the top row comes from the right column, read top to bottom.
    expect(Array.from(y.dataSync().slice(0, 4))).toEqual([3, 7, 11, 15]);
    tf.dispose([x, y]);
  });

  it('rejects bad inputs and options with typed errors naming them', () => {
    const x = tf.zeros([1, 5, 6, 3]) as tf.Tensor4D;
    const four = tf.zeros([1, 5, 6, 4]) as tf.Tensor4D;
    expect(() => adjustBrightness(x, -1)).toThrow(/adjustBrightness\.factor/);
    expect(() => adjustHue(x, 0.7)).toThrow(OptionError);
    expect(() => adjustHue(x, 0.7)).toThrow(/adjustHue\.factor.*got 0\.7/);
    expect(() => adjustSaturation(four, 1)).toThrow(ShapeError);
    expect(() => adjustSaturation(four, 1)).toThrow(/1 or 3 channels, got 4/);
    expect(() => rgbToGrayscale(x, 2 as 1)).toThrow(/rgbToGrayscale\.channels/);
    expect(() => posterize(x, 9)).toThrow(/posterize\.bits/);
    expect(() => solarize(x, 2)).toThrow(/solarize\.threshold/);
    expect(() => rotate(x, 10, { interpolation: 'bicubic' as GridInterpolation })).toThrow(/rotate\.interpolation/);
    expect(() => rotate(x, 10, { fill: [1, 2] })).toThrow(/rotate\.fill.*3 numbers/);
    expect(() => affine(x, { angle: 0, translate: [0, 0], scale: 0, shear: 0 })).toThrow(/affine\.scale/);
    expect(() => affine(x, { angle: 0, translate: [0, 0], scale: 1, shear: [1, 2, 3] })).toThrow(/affine\.shear/);
    expect(() => gaussianBlur(x, 4)).toThrow(/gaussianBlur\.kernelSize.*odd/);
    expect(() => gaussianBlur(x, 11)).toThrow(/reflect padding/);
    expect(() => gaussianBlur(x, 3, [0, 1])).toThrow(/gaussianBlur\.sigma/);
    expect(() => erase(x, 3, 0, 3, 2, 0)).toThrow(/erase\.box/);
    expect(() => erase(x, 0, 0, 2, 2, [1, 2])).toThrow(/erase\.value/);
    const wrong = tf.zeros([3, 3, 3]);
    expect(() => erase(x, 0, 0, 2, 2, wrong)).toThrow(ShapeError);
    tf.dispose([x, four, wrong]);
  });
});
