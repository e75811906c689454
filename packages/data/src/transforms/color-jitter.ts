import { type Generator, OptionError, toGenerator } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertProbability } from './check';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, checkImages, rgbToGrayscale } from './color';
import { perExample, randperm, uniform } from './random-draws';
import type { Transform } from './transform';

export interface ColorJitterOptions {
  /** A number b gives factors in [max(0, 1 − b), 1 + b]; a pair is the range itself. */
  brightness?: number | readonly [number, number];
  contrast?: number | readonly [number, number];
  saturation?: number | readonly [number, number];
  /** A number h (≤ 0.5) gives hue shifts in [−h, h]; a pair must lie in [−0.5, 0.5]. */
  hue?: number | readonly [number, number];
  seed?: number | Generator;
}

/** torchvision's `ColorJitter._check_input`: the factor range, or undefined when it is the identity. */
function jitterRange(
  name: string,
  value: number | readonly [number, number],
  center: number,
  bound: [number, number],
  clipAtZero: boolean,
): [number, number] | undefined {
  const where = `colorJitter.${name}`;
  let range: [number, number];
  if (typeof value === 'number') {
    if (!(value >= 0)) throw new OptionError(where, `a single number must be >= 0, got ${value}`);
    range = [center - value, center + value];
    if (clipAtZero) range[0] = Math.max(range[0], 0);
  } else {
    if (!(value.length === 2 && bound[0] <= value[0] && value[0] <= value[1] && value[1] <= bound[1])) {
      throw new OptionError(where, `must be [min, max] with ${bound[0]} <= min <= max <= ${bound[1]}, got ${JSON.stringify(value)}`);
    }
    range = [value[0], value[1]];
  }
  if (name === 'hue' && !(range[0] >= -0.5 && range[1] <= 0.5)) {
    throw new OptionError(where, `must stay within [-0.5, 0.5], got ${JSON.stringify(value)}`);
  }
  return range[0] === center && range[1] === center ? undefined : range;
}

/**
 * torchvision's `ColorJitter(brightness, contrast, saturation, hue)`: per example, the four
 * adjustments in a random order (`randperm(4)`), each with a factor drawn uniformly from its range.
 */
export function colorJitter(options: ColorJitterOptions = {}): Transform {
  const ranges = [
    jitterRange('brightness', options.brightness ?? 0, 1, [0, Number.POSITIVE_INFINITY], true),
    jitterRange('contrast', options.contrast ?? 0, 1, [0, Number.POSITIVE_INFINITY], true),
    jitterRange('saturation', options.saturation ?? 0, 1, [0, Number.POSITIVE_INFINITY], true),
    jitterRange('hue', options.hue ?? 0, 0, [-0.5, 0.5], false),
  ];
  const ops = [adjustBrightness, adjustContrast, adjustSaturation, adjustHue];
  const generator = toGenerator(options.seed);
  return (x) => {
    checkImages('colorJitter', x);
    // get_params order: the permutation first, then one factor per enabled adjustment.
    const draws = Array.from({ length: x.shape[0] }, () => {
      const order = randperm(generator, 4);
      return { order, factors: ranges.map((r) => (r ? uniform(generator, r[0], r[1]) : undefined)) };
    });
    // perExample runs inside a tidy, which disposes the intermediate images.
    return perExample(x, (one, i) =>
      draws[i].order.reduce((img, op) => {
        const factor = draws[i].factors[op];
        return factor === undefined ? img : ops[op](img, factor);
      }, one),
    );
  };
}

/** torchvision's `RandomGrayscale(p)`: with probability `p` per example, grayscale repeated to the input's channel count. */
export function randomGrayscale({ p = 0.1, seed }: { p?: number; seed?: number | Generator } = {}): Transform {
  assertProbability('randomGrayscale.p', p);
  const generator = toGenerator(seed);
  return (x) => {
    checkImages('randomGrayscale', x);
    const pick = Array.from({ length: x.shape[0] }, () => generator.random() < p);
    return tf.tidy(() => {
      if (!pick.some(Boolean)) return tf.clone(x);
      const mask = tf.tensor4d(pick, [pick.length, 1, 1, 1], 'bool');
      return tf.where(mask, rgbToGrayscale(x, x.shape[3] as 1 | 3), x);
    });
  };
}
