import { type Generator, OptionError, ShapeError, toGenerator } from '@convkit/core';
import { checkBatch, toRange } from './check';
import { roundHalfEven } from './crop';
import { type AffineParams, type GridOptions, affine, rotate } from './geometry';
import { perExample, uniform } from './random-draws';
import type { Transform } from './transform';

/** torchvision's `_setup_angle`: a number d gives [−d, d]; otherwise `sizes` values, pairs of [min, max]. */
function toAngles(where: string, value: number | readonly number[], sizes: number[]): number[] {
  if (typeof value === 'number') {
    if (!(value >= 0 && Number.isFinite(value))) throw new OptionError(where, `a single number must be finite and >= 0, got ${value}`);
    return [-value, value];
  }
  const ok =
    sizes.includes(value.length) && value.every(Number.isFinite) && value[0] <= value[1] && (value.length < 4 || value[2] <= value[3]);
  if (!ok)
    throw new OptionError(
      where,
      `must be a number or ${sizes.join(' or ')} finite degrees as [min, max] pairs, got ${JSON.stringify(value)}`,
    );
  return [...value];
}

export interface RandomRotationOptions extends GridOptions {
  /** Grow the output to hold the whole rotated image; sizes then differ per angle, so only for batches of one. */
  expand?: boolean;
  seed?: number | Generator;
}

/**
 * torchvision's `RandomRotation(degrees)`: per example an angle uniform in `degrees` ([−d, d] for
 * a number d), then `rotate`. Like torchvision, `fill` defaults to 0 (its mask path, see `GridOptions`).
 */
export function randomRotation(degrees: number | readonly [number, number], options: RandomRotationOptions = {}): Transform {
  const [lo, hi] = toAngles('randomRotation.degrees', degrees, [2]);
  const { seed, expand = false, fill = 0, ...grid } = options;
  const generator = toGenerator(seed);
  return (x) => {
    checkBatch('randomRotation', x);
    if (expand && x.shape[0] > 1) {
      throw new ShapeError('randomRotation.expand', `each angle gives its own output size: expand needs batches of 1, got ${x.shape[0]}`);
    }
    const angles = Array.from({ length: x.shape[0] }, () => uniform(generator, lo, hi));
    return perExample(x, (one, i) => rotate(one, angles[i], { ...grid, fill, expand }));
  };
}

export interface RandomAffineOptions extends GridOptions {
  /** `[a, b]`: horizontal shift uniform in ±a·width, vertical in ±b·height (rounded to pixels). */
  translate?: readonly [number, number];
  /** `[min, max]` scale range. */
  scale?: readonly [number, number];
  /** A number s: x-shear in [−s, s]; `[min, max]`: x-shear; `[xmin, xmax, ymin, ymax]`: both. */
  shear?: number | readonly number[];
  seed?: number | Generator;
}

/** torchvision's `RandomAffine.get_params` for an image of `width × height`. */
export function randomAffineParams(
  degrees: readonly number[],
  translate: readonly [number, number] | undefined,
  scale: readonly [number, number] | undefined,
  shear: readonly number[] | undefined,
  [width, height]: [number, number],
  g: Generator,
): AffineParams {
  const angle = uniform(g, degrees[0], degrees[1]);
  let shift: [number, number] = [0, 0];
  if (translate) {
    const [maxDx, maxDy] = [translate[0] * width, translate[1] * height];
    shift = [roundHalfEven(uniform(g, -maxDx, maxDx)), roundHalfEven(uniform(g, -maxDy, maxDy))];
  }
  const s = scale ? uniform(g, scale[0], scale[1]) : 1;
  const shearX = shear ? uniform(g, shear[0], shear[1]) : 0;
  const shearY = shear && shear.length === 4 ? uniform(g, shear[2], shear[3]) : 0;
  return { angle, translate: shift, scale: s, shear: [shearX, shearY] };
}

/**
 * torchvision's `RandomAffine(degrees, translate, scale, shear)`: per example, parameters from
 * `randomAffineParams`, then `affine`. `fill` defaults to 0 like torchvision.
 */
export function randomAffine(degrees: number | readonly [number, number], options: RandomAffineOptions = {}): Transform {
  const angles = toAngles('randomAffine.degrees', degrees, [2]);
  const { seed, translate, scale, shear: shearOption, fill = 0, ...grid } = options;
  if (translate !== undefined && !(translate.length === 2 && translate.every((t) => t >= 0 && t <= 1))) {
    throw new OptionError('randomAffine.translate', `must be [a, b] with values in [0, 1], got ${JSON.stringify(translate)}`);
  }
  if (scale !== undefined) toRange('randomAffine.scale', scale, true);
  const shear = shearOption === undefined ? undefined : toAngles('randomAffine.shear', shearOption, [2, 4]);
  const generator = toGenerator(seed);
  return (x) => {
    checkBatch('randomAffine', x);
    const [n, h, w] = x.shape;
    const params = Array.from({ length: n }, () => randomAffineParams(angles, translate, scale, shear, [w, h], generator));
    return perExample(x, (one, i) => affine(one, params[i], { ...grid, fill }));
  };
}
