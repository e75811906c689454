import { type Generator, toGenerator } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkBatch, toRange, toSize } from './check';
import { crop, roundHalfEven } from './crop';
import type { InterpolationMode } from './interpolation';
import { interpolate } from './resize';
import type { Transform } from './transform';

export interface RandomResizedCropOptions {
  /** Range of the crop's area as a fraction of the image's (default [0.08, 1]). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio width/height, sampled log-uniformly (default [3/4, 4/3]). */
  ratio?: readonly [number, number];
  interpolation?: InterpolationMode;
  antialias?: boolean;
  seed?: number | Generator;
}

export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * torchvision's `RandomResizedCrop.get_params`: up to 10 tries at a random area and aspect ratio
 * that fit, else the largest central crop within the ratio range. Draws come from `generator`.
 */
export function randomResizedCropBox(
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  generator: Generator,
): CropBox {
  const area = height * width;
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * generator.random();
  const [logLo, logHi] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * uniform(scale[0], scale[1]);
    const aspect = Math.exp(uniform(logLo, logHi));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = Math.floor(generator.random() * (height - h + 1));
      const left = Math.floor(generator.random() * (width - w + 1));
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let [w, h] = [width, height];
  if (inRatio < ratio[0]) h = roundHalfEven(w / ratio[0]);
  else if (inRatio > ratio[1]) w = roundHalfEven(h * ratio[1]);
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/**
 * torchvision's `RandomResizedCrop(size)`: a random box per example (see `randomResizedCropBox`),
 * cropped and resized to `size`. The standard ImageNet training augmentation.
 */
export function randomResizedCrop(size: number | readonly [number, number], options: RandomResizedCropOptions = {}): Transform {
  const out = toSize('randomResizedCrop.size', size);
  const scale = toRange('randomResizedCrop.scale', options.scale ?? [0.08, 1], true);
  const ratio = toRange('randomResizedCrop.ratio', options.ratio ?? [3 / 4, 4 / 3], true);
  const { interpolation = 'bilinear', antialias = false } = options;
  const generator = toGenerator(options.seed);
  return (x) => {
    checkBatch('randomResizedCrop', x);
    const [n, h, w] = x.shape;
    const boxes = Array.from({ length: n }, () => randomResizedCropBox(h, w, scale, ratio, generator));
    return tf.tidy(() => {
      const parts = boxes.map((b, i) => {
        const one = tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1]);
        return interpolate(crop(one, b.top, b.left, b.height, b.width), out, { mode: interpolation, antialias });
      });
      if (parts.length === 0) return tf.zeros([0, out[0], out[1], x.shape[3]]) as tf.Tensor4D;
      return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
    });
  };
}
