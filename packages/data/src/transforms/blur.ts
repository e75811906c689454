import { type Generator, OptionError, toGenerator } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkBatch, toRange } from './check';
import { perExample } from './random-draws';
import type { Transform } from './transform';

/** `kernelSize` as `[kx, ky]` (width first, like torchvision), each odd and positive. */
function toKernelSize(where: string, size: number | readonly number[]): [number, number] {
  const pair = typeof size === 'number' ? [size, size] : size.length === 1 ? [size[0], size[0]] : [...size];
  if (pair.length !== 2 || !pair.every((k) => Number.isInteger(k) && k > 0 && k % 2 === 1)) {
    throw new OptionError(where, `must be an odd positive integer or [kx, ky] of them, got ${JSON.stringify(size)}`);
  }
  return pair as [number, number];
}

/** torchvision's `_get_gaussian_kernel1d`: `exp(−x²/2σ²)` at the integer offsets, normalised to sum 1. */
export function gaussianKernel1d(size: number, sigma: number): Float32Array {
  const half = (size - 1) * 0.5;
  const pdf = Array.from({ length: size }, (_, i) => Math.exp(-0.5 * ((i - half) / sigma) ** 2));
  const total = pdf.reduce((a, b) => a + b, 0);
  return Float32Array.from(pdf, (v) => v / total);
}

/**
 * `F.gaussian_blur(img, kernel_size, sigma)`: a separable Gaussian of `kernelSize = [kx, ky]` (a
 * number means square) and `sigma = [sx, sy]`, with reflect padding like torchvision (so each
 * padding, `k // 2`, must be smaller than the image side). Without `sigma`, torchvision's default
 * `0.3 · ((k − 1) · 0.5 − 1) + 0.8` per axis.
 */
export function gaussianBlur(x: tf.Tensor4D, kernelSize: number | readonly number[], sigma?: number | readonly number[]): tf.Tensor4D {
  checkBatch('gaussianBlur', x);
  const [kx, ky] = toKernelSize('gaussianBlur.kernelSize', kernelSize);
  const sigmas =
    sigma === undefined
      ? [kx, ky].map((k) => 0.3 * ((k - 1) * 0.5 - 1) + 0.8)
      : typeof sigma === 'number'
        ? [sigma, sigma]
        : sigma.length === 1
          ? [sigma[0], sigma[0]]
          : [...sigma];
  if (sigmas.length !== 2 || !sigmas.every((s) => Number.isFinite(s) && s > 0)) {
    throw new OptionError('gaussianBlur.sigma', `must be a positive number or [sx, sy] of them, got ${JSON.stringify(sigma)}`);
  }
  const [, h, w, c] = x.shape;
  const [px, py] = [kx >> 1, ky >> 1];
  if (py >= h || px >= w) {
    throw new OptionError('gaussianBlur.kernelSize', `reflect padding [${px}, ${py}] needs images larger than it, got ${h}×${w}`);
  }
  return tf.tidy(() => {
    const padded = tf.mirrorPad(
      x,
      [
        [0, 0],
        [py, py],
        [px, px],
        [0, 0],
      ],
      'reflect',
    );
    // Separable: a row pass then a column pass (the 2-D kernel is their outer product).
    const row = tf.tile(tf.tensor4d(gaussianKernel1d(kx, sigmas[0]), [1, kx, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const col = tf.tile(tf.tensor4d(gaussianKernel1d(ky, sigmas[1]), [ky, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    return tf.depthwiseConv2d(tf.depthwiseConv2d(padded, row, 1, 'valid'), col, 1, 'valid');
  });
}

export interface RandomGaussianBlurOptions {
  /** `[min, max]` to draw σ from uniformly, or one σ (default [0.1, 2], torchvision's). */
  sigma?: number | readonly [number, number];
  seed?: number | Generator;
}

/** torchvision's `GaussianBlur(kernel_size, sigma)`: one σ per example, drawn from `sigma`, used on both axes. */
export function randomGaussianBlur(kernelSize: number | readonly number[], options: RandomGaussianBlurOptions = {}): Transform {
  const size = toKernelSize('randomGaussianBlur.kernelSize', kernelSize);
  const { sigma = [0.1, 2] } = options;
  if (typeof sigma === 'number' && !(sigma > 0)) throw new OptionError('randomGaussianBlur.sigma', `must be positive, got ${sigma}`);
  const [lo, hi] = typeof sigma === 'number' ? [sigma, sigma] : toRange('randomGaussianBlur.sigma', sigma, true);
  const generator = toGenerator(options.seed);
  return (x) => {
    checkBatch('randomGaussianBlur', x);
    const sigmas = Array.from({ length: x.shape[0] }, () => lo + (hi - lo) * generator.random());
    return perExample(x, (one, i) => gaussianBlur(one, size, [sigmas[i], sigmas[i]]));
  };
}
