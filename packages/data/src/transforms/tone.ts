import { OptionError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { blend, checkImages } from './color';

/**
 * The tone ops AutoAugment draws from (torchvision 0.14 `functional_tensor.py`), on NHWC float32
 * batches in [0, 1]. torchvision's `posterize` and `equalize` accept only uint8 images: here they
 * act on the uint8 image `round(255 · x)` exactly as torchvision does and return the result / 255,
 * i.e. what `ToTensor` would make of torchvision's uint8 output.
 */

/** `F.invert`: `1 − x`. */
export function invert(x: tf.Tensor4D): tf.Tensor4D {
  checkImages('invert', x);
  return tf.tidy(() => tf.sub(1, x) as tf.Tensor4D);
}

/** `F.solarize`: inverts the values at or above `threshold` (in [0, 1] for float images). */
export function solarize(x: tf.Tensor4D, threshold: number): tf.Tensor4D {
  checkImages('solarize', x);
  // torchvision only rejects thresholds above the image's bound (1 for float images).
  if (!(threshold <= 1)) throw new OptionError('solarize.threshold', `must be <= 1 for float images, got ${threshold}`);
  return tf.tidy(() => tf.where(tf.greaterEqual(x, threshold), tf.sub(1, x), x) as tf.Tensor4D);
}

/** The uint8 image torchvision would have been given: `round(255 · clamp(x, 0, 1))`. */
function toUint8Levels(x: tf.Tensor4D): tf.Tensor4D {
  return tf.round(tf.mul(tf.clipByValue(x, 0, 1), 255)) as tf.Tensor4D;
}

/** `F.posterize(img, bits)` on `round(255 · x)`, divided by 255: keeps the top `bits` bits (0..8). */
export function posterize(x: tf.Tensor4D, bits: number): tf.Tensor4D {
  checkImages('posterize', x);
  if (!(Number.isInteger(bits) && bits >= 0 && bits <= 8))
    throw new OptionError('posterize.bits', `must be an integer in [0, 8], got ${bits}`);
  const step = 2 ** (8 - bits);
  // `img & -step` clears the low bits: floor(v / step) · step.
  return tf.tidy(() => tf.div(tf.mul(tf.floor(tf.div(toUint8Levels(x), step)), step), 255));
}

/** `F.autocontrast`: stretches each channel of each image to [0, 1]; a flat channel is left as it is. */
export function autocontrast(x: tf.Tensor4D): tf.Tensor4D {
  checkImages('autocontrast', x);
  return tf.tidy(() => {
    const lo = tf.min(x, [1, 2], true);
    const hi = tf.max(x, [1, 2], true);
    const flat = tf.equal(hi, lo);
    // torchvision's `scale = bound / (max − min)`, with min 0 and scale 1 where that is not finite.
    const scale = tf.where(flat, tf.onesLike(hi), tf.div(1, tf.sub(hi, lo)));
    const minimum = tf.where(flat, tf.zerosLike(lo), lo);
    return tf.clipByValue(tf.mul(tf.sub(x, minimum), scale), 0, 1) as tf.Tensor4D;
  });
}

/**
 * `F.equalize` on `round(255 · x)`, divided by 255: per image and channel, torchvision's
 * `_scale_channel` histogram lookup table. The histogram is built on the CPU (one data read).
 */
export function equalize(x: tf.Tensor4D): tf.Tensor4D {
  checkImages('equalize', x);
  const [n, h, w, c] = x.shape;
  const levels = tf.tidy(() => toUint8Levels(x));
  const values = levels.dataSync();
  levels.dispose();
  const out = new Float32Array(values.length);
  const pixels = h * w;
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      const at = (p: number) => (img * pixels + p) * c + ch;
      const hist = new Array<number>(256).fill(0);
      for (let p = 0; p < pixels; p++) hist[values[at(p)]]++;
      const lut = equalizeTable(hist);
      for (let p = 0; p < pixels; p++) out[at(p)] = (lut ? lut[values[at(p)]] : values[at(p)]) / 255;
    }
  }
  return tf.tensor4d(out, [n, h, w, c]);
}

/** torchvision's `_scale_channel` lookup table for a 256-bin histogram; undefined means "unchanged". */
export function equalizeTable(hist: readonly number[]): number[] | undefined {
  // step = (pixel count minus those of the last non-empty bin) // 255
  let last = 255;
  while (last > 0 && hist[last] === 0) last--;
  const total = hist.reduce((a, b) => a + b, 0);
  const step = Math.floor((total - hist[last]) / 255);
  if (step === 0) return undefined;
  const lut = [0];
  let cumulative = 0;
  for (let v = 0; v < 255; v++) {
    cumulative += hist[v];
    lut.push(Math.min(255, Math.floor((cumulative + Math.floor(step / 2)) / step)));
  }
  return lut;
}

/**
 * `F.adjust_sharpness`: blends with a smoothed image (3×3 kernel, centre weight 5 of 13, border
 * pixels kept), so 0 blurs, 1 is the original, 2 sharpens. Images of 2 pixels or fewer a side are returned as they are.
 */
export function adjustSharpness(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  checkImages('adjustSharpness', x);
  if (!(Number.isFinite(factor) && factor >= 0))
    throw new OptionError('adjustSharpness.factor', `must be a finite number >= 0, got ${factor}`);
  const [, h, w, c] = x.shape;
  if (h <= 2 || w <= 2) return tf.clone(x);
  return tf.tidy(() => {
    const kernel = tf.tile(tf.reshape(tf.div(tf.tensor1d([1, 1, 1, 1, 5, 1, 1, 1, 1]), 13), [3, 3, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const smooth = tf.depthwiseConv2d(x, kernel, 1, 'valid');
    const interior = tf.cast(
      tf.pad(tf.ones([1, h - 2, w - 2, 1]), [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]),
      'bool',
    );
    const degenerate = tf.where(
      interior,
      tf.pad(smooth, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]),
      x,
    );
    return blend(x, degenerate, factor);
  });
}
