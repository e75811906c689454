import { type Generator, OptionError, ShapeError, toGenerator } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertProbability, checkBatch, toRange } from './check';
import { roundHalfEven } from './crop';
import type { CropBox } from './random-resized-crop';
import { normal, perExample, randint, uniform } from './random-draws';
import type { Transform } from './transform';

/**
 * `F.erase(img, i, j, h, w, v)`: the box `[top, left, height, width]` (inside the image) of every
 * image gets `value` — one number, one per channel, or a tensor broadcastable to `[N,height,width,C]`.
 */
export function erase(
  x: tf.Tensor4D,
  top: number,
  left: number,
  height: number,
  width: number,
  value: number | readonly number[] | tf.Tensor,
): tf.Tensor4D {
  checkBatch('erase', x);
  const [n, h, w, c] = x.shape;
  const box = [top, left, height, width];
  if (!box.every(Number.isInteger) || top < 0 || left < 0 || height < 0 || width < 0 || top + height > h || left + width > w) {
    throw new OptionError('erase.box', `[top, left, height, width] must be integers inside the ${h}×${w} image, got [${box.join(', ')}]`);
  }
  if (Array.isArray(value) && value.length !== 1 && value.length !== c) {
    throw new OptionError('erase.value', `needs 1 or ${c} values (one per channel), got ${value.length}`);
  }
  return tf.tidy(() => {
    const v = value instanceof tf.Tensor ? value : tf.tensor1d(typeof value === 'number' ? [value] : (value as number[]));
    let region: tf.Tensor;
    try {
      region = tf.broadcastTo(v, [n, height, width, c]);
    } catch {
      throw new ShapeError('erase.value', `a tensor value must broadcast to [${n},${height},${width},${c}], got [${v.shape.join(',')}]`);
    }
    const pad: [number, number][] = [
      [0, 0],
      [top, h - top - height],
      [left, w - left - width],
      [0, 0],
    ];
    const mask = tf.cast(tf.pad(tf.ones([1, height, width, 1]), pad), 'bool');
    return tf.where(mask, tf.pad(region, pad), x) as tf.Tensor4D;
  });
}

export interface RandomErasingOptions {
  /** Probability of erasing an example (default 0.5). */
  p?: number;
  /** Range of the erased area as a fraction of the image's (default [0.02, 0.33]). */
  scale?: readonly [number, number];
  /** Range of the box's aspect ratio, sampled log-uniformly (default [0.3, 3.3]). */
  ratio?: readonly [number, number];
  /** Fill: a number, one per channel, or 'random' for standard-normal noise (default 0). */
  value?: number | readonly number[] | 'random';
  seed?: number | Generator;
}

/**
 * torchvision's `RandomErasing.get_params`: up to 10 tries at a box of random area and aspect ratio
 * (`h = round(√(area · ratio))`, `w = round(√(area / ratio))`) strictly smaller than the image;
 * undefined when none fits (torchvision then leaves the image as it is).
 */
export function randomErasingBox(
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  g: Generator,
): CropBox | undefined {
  const area = height * width;
  const [logLo, logHi] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const eraseArea = area * uniform(g, scale[0], scale[1]);
    const aspect = Math.exp(uniform(g, logLo, logHi));
    const h = roundHalfEven(Math.sqrt(eraseArea * aspect));
    const w = roundHalfEven(Math.sqrt(eraseArea / aspect));
    if (!(h < height && w < width)) continue;
    return { top: randint(g, height - h + 1), left: randint(g, width - w + 1), height: h, width: w };
  }
  return undefined;
}

/** torchvision's `RandomErasing(p, scale, ratio, value)` (Zhong et al.), drawn per example; use it after `normalize`, as torchvision does. */
export function randomErasing(options: RandomErasingOptions = {}): Transform {
  const { p = 0.5, value = 0 } = options;
  assertProbability('randomErasing.p', p);
  const scale = toRange('randomErasing.scale', options.scale ?? [0.02, 0.33], false);
  if (scale[0] < 0 || scale[1] > 1) throw new OptionError('randomErasing.scale', `must lie in [0, 1], got ${JSON.stringify(scale)}`);
  const ratio = toRange('randomErasing.ratio', options.ratio ?? [0.3, 3.3], true);
  const valid = value === 'random' || typeof value === 'number' || (Array.isArray(value) && value.length > 0);
  if (!valid || (Array.isArray(value) && !value.every(Number.isFinite))) {
    throw new OptionError('randomErasing.value', `must be a number, numbers per channel or 'random', got ${JSON.stringify(value)}`);
  }
  const generator = toGenerator(options.seed);
  return (x) => {
    checkBatch('randomErasing', x);
    const [n, h, w, c] = x.shape;
    if (Array.isArray(value) && value.length !== 1 && value.length !== c) {
      throw new OptionError('randomErasing.value', `needs 1 or ${c} values (one per channel), got ${value.length}`);
    }
    const boxes = Array.from({ length: n }, () => (generator.random() < p ? randomErasingBox(h, w, scale, ratio, generator) : undefined));
    const fills = boxes.map((b) =>
      b && value === 'random' ? Float32Array.from({ length: b.height * b.width * c }, () => normal(generator)) : undefined,
    );
    return perExample(x, (one, i) => {
      const b = boxes[i];
      if (!b) return one;
      const v = fills[i] ? tf.tensor3d(fills[i]!, [b.height, b.width, c]) : (value as number | number[]);
      return erase(one, b.top, b.left, b.height, b.width, v);
    });
  };
}
