import { type Generator, OptionError, toGenerator } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  type AugmentOpName,
  type AugmentationSpace,
  type AutoAugmentPolicyName,
  autoAugmentPolicy,
  autoAugmentSpace,
  randAugmentSpace,
  trivialAugmentWideSpace,
} from './augment-policies';
import { adjustBrightness, adjustContrast, adjustSaturation, checkImages } from './color';
import { type Fill, type GridInterpolation, affine, rotate } from './geometry';
import { perExample, randint } from './random-draws';
import { adjustSharpness, autocontrast, equalize, invert, posterize, solarize } from './tone';
import type { Transform } from './transform';

/**
 * AutoAugment, RandAugment and TrivialAugmentWide (torchvision 0.14 `autoaugment.py`) on float
 * images in [0, 1]. torchvision runs them on uint8 images; here every op is its float version, with
 * Solarize's threshold (a 0..255 magnitude, as in the tables) divided by 255 and Posterize /
 * Equalize on the uint8 levels (see tone.ts). Ops that torchvision computes in float and rounds
 * back to uint8 (rotations, blends) are therefore not quantised here.
 */

export interface AugmentOpOptions {
  /** Default 'nearest', like torchvision. */
  interpolation?: GridInterpolation;
  /** Fill for the geometric ops, in the image's [0, 1] scale (torchvision's uint8 fill / 255); default none (zeros, `fill=None`). */
  fill?: Fill;
}

/** torchvision's `_apply_op(img, op_name, magnitude, interpolation, fill)`. */
export function applyAugmentOp(x: tf.Tensor4D, op: AugmentOpName, magnitude: number, options: AugmentOpOptions = {}): tf.Tensor4D {
  const grid = { interpolation: options.interpolation, fill: options.fill };
  // torchvision's shear magnitude m is tan(angle), about the top-left corner (official AutoAugment).
  const shear = (m: number) => (Math.atan(m) * 180) / Math.PI;
  const still = { angle: 0, scale: 1 };
  switch (op) {
    case 'ShearX':
      return affine(x, { ...still, translate: [0, 0], shear: [shear(magnitude), 0] }, { ...grid, center: [0, 0] });
    case 'ShearY':
      return affine(x, { ...still, translate: [0, 0], shear: [0, shear(magnitude)] }, { ...grid, center: [0, 0] });
    case 'TranslateX':
      return affine(x, { ...still, translate: [Math.trunc(magnitude), 0], shear: [0, 0] }, grid);
    case 'TranslateY':
      return affine(x, { ...still, translate: [0, Math.trunc(magnitude)], shear: [0, 0] }, grid);
    case 'Rotate':
      return rotate(x, magnitude, grid);
    case 'Brightness':
      return adjustBrightness(x, 1 + magnitude);
    case 'Color':
      return adjustSaturation(x, 1 + magnitude);
    case 'Contrast':
      return adjustContrast(x, 1 + magnitude);
    case 'Sharpness':
      return adjustSharpness(x, 1 + magnitude);
    case 'Posterize':
      return posterize(x, Math.trunc(magnitude));
    case 'Solarize':
      return solarize(x, magnitude / 255);
    case 'AutoContrast':
      return autocontrast(x);
    case 'Equalize':
      return equalize(x);
    case 'Invert':
      return invert(x);
    case 'Identity':
      return tf.clone(x);
    default:
      throw new OptionError('applyAugmentOp.op', `unknown op '${op as string}'`);
  }
}

/** A drawn op: its name and signed magnitude. */
type Step = [AugmentOpName, number];

/**
 * A transform that draws each example's steps up front (`drawSteps(height, width)`, in example
 * order, so a seed fixes them) and then applies them to that example.
 */
function augmenter(where: string, options: AugmentOpOptions, drawSteps: (height: number, width: number) => Step[]): Transform {
  const { interpolation = 'nearest', fill } = options;
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') {
    throw new OptionError(`${where}.interpolation`, `must be 'nearest' or 'bilinear', got '${interpolation}'`);
  }
  return (x) => {
    checkImages(where, x);
    const steps = Array.from({ length: x.shape[0] }, () => drawSteps(x.shape[1], x.shape[2]));
    return perExample(x, (one, i) => steps[i].reduce((img, [op, m]) => applyAugmentOp(img, op, m, { interpolation, fill }), one));
  };
}

/** Bin `bin` of op `index` in `space` (0 for ops without magnitudes), negated when `negate` and the op is signed. */
function magnitudeOf(space: AugmentationSpace, index: number, bin: number, negate: () => boolean): Step {
  const [op, { magnitudes, signed }] = space[index];
  const m = magnitudes.length ? magnitudes[bin] : 0;
  return [op, signed && negate() ? -m : m];
}

function checkInteger(where: string, value: number, min: number, max = Number.POSITIVE_INFINITY): void {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new OptionError(where, `must be an integer in [${min}, ${max}], got ${value}`);
  }
}

export interface AutoAugmentOptions extends AugmentOpOptions {
  /** Default 'imagenet'. */
  policy?: AutoAugmentPolicyName;
  seed?: number | Generator;
}

/** torchvision's `AutoAugment(policy)`: per example one random sub-policy, each step applied with its probability (10 bins). */
export function autoAugment(options: AutoAugmentOptions = {}): Transform {
  const policies = autoAugmentPolicy(options.policy ?? 'imagenet');
  const g = toGenerator(options.seed);
  return augmenter('autoAugment', options, (h, w) => {
    const space = autoAugmentSpace(10, [h, w]);
    // get_params order: the sub-policy, two probabilities, two signs (sign 0 negates).
    const policy = policies[randint(g, policies.length)];
    const probs = [g.random(), g.random()];
    const signs = [randint(g, 2), randint(g, 2)];
    return policy.flatMap(([op, p, bin], i): Step[] =>
      probs[i] <= p
        ? [
            magnitudeOf(
              space,
              space.findIndex(([name]) => name === op),
              bin ?? 0,
              () => signs[i] === 0,
            ),
          ]
        : [],
    );
  });
}

export interface RandAugmentOptions extends AugmentOpOptions {
  /** Ops applied in a row (default 2). */
  numOps?: number;
  /** The bin every op uses (default 9). */
  magnitude?: number;
  /** Default 31. */
  numMagnitudeBins?: number;
  seed?: number | Generator;
}

/** torchvision's `RandAugment(num_ops, magnitude, num_magnitude_bins)`: `numOps` uniformly drawn ops at one fixed magnitude bin. */
export function randAugment(options: RandAugmentOptions = {}): Transform {
  const { numOps = 2, magnitude = 9, numMagnitudeBins = 31 } = options;
  checkInteger('randAugment.numOps', numOps, 0);
  checkInteger('randAugment.numMagnitudeBins', numMagnitudeBins, 2);
  checkInteger('randAugment.magnitude', magnitude, 0, numMagnitudeBins - 1);
  const g = toGenerator(options.seed);
  return augmenter('randAugment', options, (h, w) => {
    const space = randAugmentSpace(numMagnitudeBins, [h, w]);
    return Array.from({ length: numOps }, () => magnitudeOf(space, randint(g, space.length), magnitude, () => randint(g, 2) === 1));
  });
}

export interface TrivialAugmentWideOptions extends AugmentOpOptions {
  /** Default 31. */
  numMagnitudeBins?: number;
  seed?: number | Generator;
}

/** torchvision's `TrivialAugmentWide(num_magnitude_bins)`: one uniformly drawn op at a uniformly drawn bin. */
export function trivialAugmentWide(options: TrivialAugmentWideOptions = {}): Transform {
  const { numMagnitudeBins = 31 } = options;
  checkInteger('trivialAugmentWide.numMagnitudeBins', numMagnitudeBins, 2);
  const space = trivialAugmentWideSpace(numMagnitudeBins);
  const g = toGenerator(options.seed);
  return augmenter('trivialAugmentWide', options, () => {
    const index = randint(g, space.length);
    const bins = space[index][1].magnitudes.length;
    return [magnitudeOf(space, index, bins ? randint(g, bins) : 0, () => randint(g, 2) === 1)];
  });
}
