import { OptionError } from '@convkit/core';
import { roundHalfEven } from './crop';

/**
 * The operation tables of torchvision 0.14's `autoaugment.py`, as data: each augmentation space
 * (`_augmentation_space`) lists the ops in torchvision's order with their magnitude bins (float32
 * values, as `torch.linspace` makes them) and whether a random sign applies; `autoAugmentPolicy`
 * is `AutoAugment._get_policies`. Tests compare both with torchvision's own output.
 */

export type AugmentOpName =
  | 'Identity'
  | 'ShearX'
  | 'ShearY'
  | 'TranslateX'
  | 'TranslateY'
  | 'Rotate'
  | 'Brightness'
  | 'Color'
  | 'Contrast'
  | 'Sharpness'
  | 'Posterize'
  | 'Solarize'
  | 'AutoContrast'
  | 'Equalize'
  | 'Invert';

/** An op's magnitude bins (empty for ops without a magnitude) and whether its sign is random. */
export interface AugmentOpSpace {
  magnitudes: number[];
  signed: boolean;
}

/** Ops in torchvision's order (the order random indices pick from). */
export type AugmentationSpace = [AugmentOpName, AugmentOpSpace][];

const f = Math.fround;

/**
 * `torch.linspace(start, end, steps)` in float32, bit for bit as PyTorch 1.13's CPU kernel makes it
 * on x86-64 (AVX2 kernels): values are stepped from both ends (`start + step · i`
 * below the middle, `end − step · k` above), except that full blocks of 16 are written as two
 * 8-lane vectors, each lane `base + j · step` from its vector's first value. These last bits
 * matter: TranslateX of TrivialAugmentWide(31) is `int(16.0)`, which one ulp less would make 15.
 */
export function linspace32(start: number, end: number, steps: number): number[] {
  const [a, b] = [f(start), f(end)];
  const step = steps > 1 ? f((b - a) / (steps - 1)) : 0;
  const half = Math.floor(steps / 2);
  // The products are exact in float64, so one fround is the single rounding of an FMA.
  const scalar = (i: number) => (i < half ? f(a + step * i) : f(b - step * (steps - i - 1)));
  const lanes = 8;
  const vectorised = steps - (steps % (2 * lanes));
  return Array.from({ length: steps }, (_, i) => {
    if (i >= vectorised) return scalar(i);
    const first = i - (i % lanes);
    // The vector lanes are a float32 product and sum, rounded twice (no FMA there).
    return f(scalar(first) + f(step * (i - first)));
  });
}

/** `8 − round(arange(n) / ((n − 1) / levels))`: posterize bits from 8 down to 8 − levels. */
function posterizeBits(n: number, levels: number): number[] {
  const divisor = f((n - 1) / levels);
  return Array.from({ length: n }, (_, i) => 8 - roundHalfEven(f(i / divisor)));
}

function checkBins(where: string, numBins: number): void {
  if (!(Number.isInteger(numBins) && numBins >= 2)) throw new OptionError(where, `must be an integer >= 2, got ${numBins}`);
}

const none = (): AugmentOpSpace => ({ magnitudes: [], signed: false });
const signed = (magnitudes: number[]): AugmentOpSpace => ({ magnitudes, signed: true });

/** The ops shared by AutoAugment and RandAugment, scaled to `[height, width]` (translations are 150/331 of a side). */
function classicOps(numBins: number, [height, width]: readonly [number, number]): AugmentationSpace {
  const lin = (hi: number) => linspace32(0, hi, numBins);
  return [
    ['ShearX', signed(lin(0.3))],
    ['ShearY', signed(lin(0.3))],
    ['TranslateX', signed(lin((150 / 331) * width))],
    ['TranslateY', signed(lin((150 / 331) * height))],
    ['Rotate', signed(lin(30))],
    ['Brightness', signed(lin(0.9))],
    ['Color', signed(lin(0.9))],
    ['Contrast', signed(lin(0.9))],
    ['Sharpness', signed(lin(0.9))],
    ['Posterize', { magnitudes: posterizeBits(numBins, 4), signed: false }],
    ['Solarize', { magnitudes: linspace32(255, 0, numBins), signed: false }],
    ['AutoContrast', none()],
    ['Equalize', none()],
  ];
}

/** `AutoAugment._augmentation_space(numBins, imageSize)` (torchvision always uses 10 bins). */
export function autoAugmentSpace(numBins: number, imageSize: readonly [number, number]): AugmentationSpace {
  checkBins('autoAugmentSpace.numBins', numBins);
  return [...classicOps(numBins, imageSize), ['Invert', none()]];
}

/** `RandAugment._augmentation_space(numBins, imageSize)`: Identity first, no Invert. */
export function randAugmentSpace(numBins: number, imageSize: readonly [number, number]): AugmentationSpace {
  checkBins('randAugmentSpace.numBins', numBins);
  return [['Identity', none()], ...classicOps(numBins, imageSize)];
}

/** `TrivialAugmentWide._augmentation_space(numBins)`: the "wide" ranges, independent of the image size. */
export function trivialAugmentWideSpace(numBins: number): AugmentationSpace {
  checkBins('trivialAugmentWideSpace.numBins', numBins);
  const lin = (hi: number) => signed(linspace32(0, hi, numBins));
  return [
    ['Identity', none()],
    ['ShearX', lin(0.99)],
    ['ShearY', lin(0.99)],
    ['TranslateX', lin(32)],
    ['TranslateY', lin(32)],
    ['Rotate', lin(135)],
    ['Brightness', lin(0.99)],
    ['Color', lin(0.99)],
    ['Contrast', lin(0.99)],
    ['Sharpness', lin(0.99)],
    ['Posterize', { magnitudes: posterizeBits(numBins, 6), signed: false }],
    ['Solarize', { magnitudes: linspace32(255, 0, numBins), signed: false }],
    ['AutoContrast', none()],
    ['Equalize', none()],
  ];
}

export type AutoAugmentPolicyName = 'imagenet' | 'cifar10' | 'svhn';
/** One step of a sub-policy: op, probability, magnitude bin (null for ops without a magnitude). */
export type PolicyStep = [AugmentOpName, number, number | null];

type Row = [string, number, number | null, string, number, number | null];
// Each row is one sub-policy of two steps, copied from `AutoAugment._get_policies` in torchvision 0.14.
// biome-ignore format: two sub-policies a line keep the tables readable
const POLICIES: Record<AutoAugmentPolicyName, Row[]> = {
  imagenet: [
    ['Posterize', 0.4, 8, 'Rotate', 0.6, 9], ['Solarize', 0.6, 5, 'AutoContrast', 0.6, null],
    ['Equalize', 0.8, null, 'Equalize', 0.6, null], ['Posterize', 0.6, 7, 'Posterize', 0.6, 6],
    ['Equalize', 0.4, null, 'Solarize', 0.2, 4], ['Equalize', 0.4, null, 'Rotate', 0.8, 8],
    ['Solarize', 0.6, 3, 'Equalize', 0.6, null], ['Posterize', 0.8, 5, 'Equalize', 1.0, null],
    ['Rotate', 0.2, 3, 'Solarize', 0.6, 8], ['Equalize', 0.6, null, 'Posterize', 0.4, 6],
    ['Rotate', 0.8, 8, 'Color', 0.4, 0], ['Rotate', 0.4, 9, 'Equalize', 0.6, null],
    ['Equalize', 0.0, null, 'Equalize', 0.8, null], ['Invert', 0.6, null, 'Equalize', 1.0, null],
    ['Color', 0.6, 4, 'Contrast', 1.0, 8], ['Rotate', 0.8, 8, 'Color', 1.0, 2],
    ['Color', 0.8, 8, 'Solarize', 0.8, 7], ['Sharpness', 0.4, 7, 'Invert', 0.6, null],
    ['ShearX', 0.6, 5, 'Equalize', 1.0, null], ['Color', 0.4, 0, 'Equalize', 0.6, null],
    ['Equalize', 0.4, null, 'Solarize', 0.2, 4], ['Solarize', 0.6, 5, 'AutoContrast', 0.6, null],
    ['Invert', 0.6, null, 'Equalize', 1.0, null], ['Color', 0.6, 4, 'Contrast', 1.0, 8],
    ['Equalize', 0.8, null, 'Equalize', 0.6, null],
  ],
  cifar10: [
    ['Invert', 0.1, null, 'Contrast', 0.2, 6], ['Rotate', 0.7, 2, 'TranslateX', 0.3, 9],
    ['Sharpness', 0.8, 1, 'Sharpness', 0.9, 3], ['ShearY', 0.5, 8, 'TranslateY', 0.7, 9],
    ['AutoContrast', 0.5, null, 'Equalize', 0.9, null], ['ShearY', 0.2, 7, 'Posterize', 0.3, 7],
    ['Color', 0.4, 3, 'Brightness', 0.6, 7], ['Sharpness', 0.3, 9, 'Brightness', 0.7, 9],
    ['Equalize', 0.6, null, 'Equalize', 0.5, null], ['Contrast', 0.6, 7, 'Sharpness', 0.6, 5],
    ['Color', 0.7, 7, 'TranslateX', 0.5, 8], ['Equalize', 0.3, null, 'AutoContrast', 0.4, null],
    ['TranslateY', 0.4, 3, 'Sharpness', 0.2, 6], ['Brightness', 0.9, 6, 'Color', 0.2, 8],
    ['Solarize', 0.5, 2, 'Invert', 0.0, null], ['Equalize', 0.2, null, 'AutoContrast', 0.6, null],
    ['Equalize', 0.2, null, 'Equalize', 0.6, null], ['Color', 0.9, 9, 'Equalize', 0.6, null],
    ['AutoContrast', 0.8, null, 'Solarize', 0.2, 8], ['Brightness', 0.1, 3, 'Color', 0.7, 0],
    ['Solarize', 0.4, 5, 'AutoContrast', 0.9, null], ['TranslateY', 0.9, 9, 'TranslateY', 0.7, 9],
    ['AutoContrast', 0.9, null, 'Solarize', 0.8, 3], ['Equalize', 0.8, null, 'Invert', 0.1, null],
    ['TranslateY', 0.7, 9, 'AutoContrast', 0.9, null],
  ],
  svhn: [
    ['ShearX', 0.9, 4, 'Invert', 0.2, null], ['ShearY', 0.9, 8, 'Invert', 0.7, null],
    ['Equalize', 0.6, null, 'Solarize', 0.6, 6], ['Invert', 0.9, null, 'Equalize', 0.6, null],
    ['Equalize', 0.6, null, 'Rotate', 0.9, 3], ['ShearX', 0.9, 4, 'AutoContrast', 0.8, null],
    ['ShearY', 0.9, 8, 'Invert', 0.4, null], ['ShearY', 0.9, 5, 'Solarize', 0.2, 6],
    ['Invert', 0.9, null, 'AutoContrast', 0.8, null], ['Equalize', 0.6, null, 'Rotate', 0.9, 3],
    ['ShearX', 0.9, 4, 'Solarize', 0.3, 3], ['ShearY', 0.8, 8, 'Invert', 0.7, null],
    ['Equalize', 0.9, null, 'TranslateY', 0.6, 6], ['Invert', 0.9, null, 'Equalize', 0.6, null],
    ['Contrast', 0.3, 3, 'Rotate', 0.8, 4], ['Invert', 0.8, null, 'TranslateY', 0.0, 2],
    ['ShearY', 0.7, 6, 'Solarize', 0.4, 8], ['Invert', 0.6, null, 'Rotate', 0.8, 4],
    ['ShearY', 0.3, 7, 'TranslateX', 0.9, 3], ['ShearX', 0.1, 6, 'Invert', 0.6, null],
    ['Solarize', 0.7, 2, 'TranslateY', 0.6, 7], ['ShearY', 0.8, 4, 'Invert', 0.8, null],
    ['ShearX', 0.7, 9, 'TranslateY', 0.8, 3], ['ShearY', 0.8, 5, 'AutoContrast', 0.7, null],
    ['ShearX', 0.7, 2, 'Invert', 0.1, null],
  ],
};

/** `AutoAugment(policy)._get_policies(policy)`: 25 sub-policies of two steps each. */
export function autoAugmentPolicy(name: AutoAugmentPolicyName): [PolicyStep, PolicyStep][] {
  const rows = POLICIES[name];
  if (!rows) throw new OptionError('autoAugment.policy', `must be 'imagenet', 'cifar10' or 'svhn', got '${name}'`);
  return rows.map(([a, pa, ma, b, pb, mb]) => [
    [a as AugmentOpName, pa, ma],
    [b as AugmentOpName, pb, mb],
  ]);
}
