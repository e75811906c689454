import { OptionError, ShapeError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkBatch } from './check';

/**
 * torchvision's colour ops (`functional_tensor.py` in 0.14) on NHWC float32 batches in [0, 1]:
 * every image of the batch gets the same factor. Results are clamped to [0, 1] like torchvision's
 * `_blend` on float images.
 */

/** Throws unless `x` is an NHWC batch of 1- or 3-channel images (all colour ops accept only those). */
export function checkImages(where: string, x: tf.Tensor): asserts x is tf.Tensor4D {
  checkBatch(where, x);
  if (x.shape[3] !== 1 && x.shape[3] !== 3) throw new ShapeError(where, `images must have 1 or 3 channels, got ${x.shape[3]}`);
}

function checkFactor(where: string, factor: number): void {
  if (!(Number.isFinite(factor) && factor >= 0)) throw new OptionError(where, `must be a finite number >= 0, got ${factor}`);
}

/** `clamp(ratio · a + (1 − ratio) · b, 0, 1)`: torchvision's `_blend`, which every factor op is built on. */
export function blend(a: tf.Tensor4D, b: tf.Tensor, ratio: number): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(tf.add(tf.mul(a, ratio), tf.mul(b, 1 - ratio)), 0, 1) as tf.Tensor4D);
}

/** `F.rgb_to_grayscale`: `0.2989 R + 0.587 G + 0.114 B` (ITU-R 601-2), repeated to `channels` outputs. */
export function rgbToGrayscale(x: tf.Tensor4D, channels: 1 | 3 = 1): tf.Tensor4D {
  checkImages('rgbToGrayscale', x);
  if (channels !== 1 && channels !== 3) throw new OptionError('rgbToGrayscale.channels', `must be 1 or 3, got ${channels}`);
  return tf.tidy(() => {
    const gray = x.shape[3] === 1 ? tf.clone(x) : (tf.sum(tf.mul(x, tf.tensor1d([0.2989, 0.587, 0.114])), 3, true) as tf.Tensor4D);
    return channels === 1 ? gray : tf.tile(gray, [1, 1, 1, 3]);
  });
}

/** `F.adjust_brightness`: blends with black (`factor` 0 gives black, 1 the original). */
export function adjustBrightness(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  checkImages('adjustBrightness', x);
  checkFactor('adjustBrightness.factor', factor);
  return tf.tidy(() => blend(x, tf.scalar(0), factor));
}

/** `F.adjust_contrast`: blends with the mean grey level of each image (0 gives a flat grey image). */
export function adjustContrast(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  checkImages('adjustContrast', x);
  checkFactor('adjustContrast.factor', factor);
  return tf.tidy(() => {
    const gray = x.shape[3] === 3 ? rgbToGrayscale(x) : x;
    return blend(x, tf.mean(gray, [1, 2, 3], true), factor);
  });
}

/** `F.adjust_saturation`: blends with the grayscale image (0 gives grey, 2 doubles the saturation). */
export function adjustSaturation(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  checkImages('adjustSaturation', x);
  checkFactor('adjustSaturation.factor', factor);
  // A 1-channel image has no saturation: torchvision returns it unchanged (as PIL does).
  if (x.shape[3] === 1) return tf.clone(x);
  return tf.tidy(() => blend(x, rgbToGrayscale(x), factor));
}

/**
 * `F.adjust_hue`: shifts the hue by `factor` turns (in [-0.5, 0.5]) in HSV space, using
 * torchvision's own `_rgb2hsv` / `_hsv2rgb` formulas (PIL's). 1-channel images are returned as they are.
 */
export function adjustHue(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  checkImages('adjustHue', x);
  if (!(factor >= -0.5 && factor <= 0.5)) throw new OptionError('adjustHue.factor', `must be in [-0.5, 0.5], got ${factor}`);
  if (x.shape[3] === 1) return tf.clone(x);
  return tf.tidy(() => {
    const [h, s, v] = rgbToHsv(x);
    return hsvToRgb(tf.mod(tf.add(h, factor), 1), s, v);
  });
}

/** torchvision's `_rgb2hsv`: hue in [0, 1), saturation, value; each `[N,H,W]`. */
function rgbToHsv(x: tf.Tensor4D): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const [r, g, b] = tf.unstack(x, 3);
  const maxc = tf.max(x, 3);
  const minc = tf.min(x, 3);
  // Where max == min the hue and saturation are 0; dividing by 1 there keeps NaN out (as torchvision does).
  const eqc = tf.equal(maxc, minc);
  const cr = tf.sub(maxc, minc);
  const ones = tf.onesLike(maxc);
  const s = tf.div(cr, tf.where(eqc, ones, maxc));
  const crDivisor = tf.where(eqc, ones, cr);
  const rc = tf.div(tf.sub(maxc, r), crDivisor);
  const gc = tf.div(tf.sub(maxc, g), crDivisor);
  const bc = tf.div(tf.sub(maxc, b), crDivisor);
  const isR = tf.equal(maxc, r);
  const isG = tf.logicalAnd(tf.equal(maxc, g), tf.logicalNot(isR));
  const isB = tf.logicalAnd(tf.logicalNot(tf.equal(maxc, g)), tf.logicalNot(isR));
  const hr = tf.mul(tf.cast(isR, 'float32'), tf.sub(bc, gc));
  const hg = tf.mul(tf.cast(isG, 'float32'), tf.sub(tf.add(rc, 2), bc));
  const hb = tf.mul(tf.cast(isB, 'float32'), tf.sub(tf.add(gc, 4), rc));
  // h/6 + 1 is positive, so tfjs's floor-mod equals torch.fmod here.
  const h = tf.mod(tf.add(tf.div(tf.addN([hr, hg, hb]), 6), 1), 1);
  return [h, s, maxc];
}

/** torchvision's `_hsv2rgb`: picks each of R, G, B from (v, p, q, t) by the sextant `floor(6h) mod 6`. */
function hsvToRgb(h: tf.Tensor, s: tf.Tensor, v: tf.Tensor): tf.Tensor4D {
  const h6 = tf.mul(h, 6);
  const i = tf.floor(h6);
  const f = tf.sub(h6, i);
  const p = tf.clipByValue(tf.mul(v, tf.sub(1, s)), 0, 1);
  const q = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, f))), 0, 1);
  const t = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, tf.sub(1, f)))), 0, 1);
  const sextant = tf.oneHot(tf.cast(tf.mod(i, 6), 'int32'), 6); // [N,H,W,6]
  const pick = (choices: tf.Tensor[]) => tf.sum(tf.mul(sextant, tf.stack(choices, 3)), 3);
  return tf.stack([pick([v, q, p, p, t, v]), pick([t, v, v, q, p, p]), pick([p, p, t, v, v, q])], 3) as tf.Tensor4D;
}
