import { OptionError } from './errors';

export interface ConvGeometry {
  stride?: number;
  padding?: number;
  dilation?: number;
}

function checkNonNegativeInt(where: string, name: string, v: number, min = 0): void {
  if (!Number.isInteger(v) || v < min) throw new OptionError(where, `${name} must be an integer >= ${min}, got ${v}`);
}

/**
 * Output size of a convolution along one axis: `floor((W - D·(K-1) - 1 + 2P) / S) + 1`,
 * which for dilation 1 is the course's `floor((W - K + 2P) / S) + 1`.
 */
export function convOutputSize(
  inputSize: number,
  kernelSize: number,
  { stride = 1, padding = 0, dilation = 1 }: ConvGeometry = {},
): number {
  const where = 'convOutputSize';
  checkNonNegativeInt(where, 'inputSize', inputSize, 1);
  checkNonNegativeInt(where, 'kernelSize', kernelSize, 1);
  checkNonNegativeInt(where, 'stride', stride, 1);
  checkNonNegativeInt(where, 'padding', padding);
  checkNonNegativeInt(where, 'dilation', dilation, 1);
  return Math.floor((inputSize + 2 * padding - dilation * (kernelSize - 1) - 1) / stride) + 1;
}

/**
 * Output size of a pooling window along one axis, PyTorch's rule: with `ceilMode` the last
 * window may hang over the edge, but never start inside the right padding.
 */
export function poolOutputSize(
  inputSize: number,
  kernelSize: number,
  { stride = kernelSize, padding = 0, dilation = 1, ceilMode = false }: ConvGeometry & { ceilMode?: boolean } = {},
): number {
  const span = inputSize + 2 * padding - dilation * (kernelSize - 1) - 1;
  if (!ceilMode) return convOutputSize(inputSize, kernelSize, { stride, padding, dilation });
  convOutputSize(inputSize, kernelSize, { stride, padding, dilation }); // validates the arguments
  let out = Math.ceil(span / stride) + 1;
  if ((out - 1) * stride >= inputSize + padding) out -= 1;
  return out;
}

/** Parameters of a conv layer: `F·(C_in/groups·Kh·Kw) + F` (the `+ F` is the bias). */
export function conv2dParamCount({
  inChannels,
  outChannels,
  kernelSize,
  groups = 1,
  bias = true,
}: {
  inChannels: number;
  outChannels: number;
  kernelSize: number | [number, number];
  groups?: number;
  bias?: boolean;
}): number {
  const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new OptionError(
      'conv2dParamCount',
      `inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${groups})`,
    );
  }
  return outChannels * (inChannels / groups) * kh * kw + (bias ? outChannels : 0);
}

/** Parameters of a fully connected layer: `in·out + out`. */
export function linearParamCount(inFeatures: number, outFeatures: number, { bias = true }: { bias?: boolean } = {}): number {
  return inFeatures * outFeatures + (bias ? outFeatures : 0);
}

/**
 * torchvision's `_make_divisible` (MobileNet, EfficientNet): `v` rounded to the nearest multiple
 * of `divisor`, at least `minValue`, and never more than 10 % below `v`.
 */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  const rounded = Math.max(minValue, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}
