// Comparisons against reference numbers (PyTorch's, or another backend's). Browser-safe: the sync
// variants read with dataSync (Node, CPU, WebGL), the async ones with data() (also WebGPU, which
// cannot read synchronously). Both go through the same comparison.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { EncodedTensor } from './tensors';

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

export interface Closeness {
  /** Max |actual − expected|; Infinity where they differ in a non-finite value. */
  maxDiff: number;
  /** Max |expected| over the finite references. */
  maxRef: number;
  /** atol + rtol·maxRef. */
  tolerance: number;
}

/**
 * Compares two flat arrays element by element. Strict about non-finite values: NaN equals NaN and
 * equal infinities are equal, any other difference involving NaN or ±∞ is an infinite difference.
 */
export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, { rtol = 1e-4, atol = 1e-5 }: Tolerance = {}): Closeness {
  let maxDiff = actual.length === expected.length ? 0 : Infinity;
  let maxRef = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isFinite(e)) maxRef = Math.max(maxRef, Math.abs(e));
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const d = a - e;
    maxDiff = Math.max(maxDiff, Number.isFinite(d) ? Math.abs(d) : Infinity);
  }
  return { maxDiff, maxRef, tolerance: atol + rtol * maxRef };
}

function assertClose(shape: number[], actual: ArrayLike<number>, expected: EncodedTensor, tol: Tolerance, what: string): number {
  expect(shape, what).toEqual(expected.shape);
  const { maxDiff, tolerance } = closeness(actual, expected.data, tol);
  const label = `${what ? `${what}: ` : ''}max |diff| ${maxDiff} vs tolerance ${tolerance}`;
  expect(maxDiff, label).toBeLessThanOrEqual(tolerance);
  return maxDiff;
}

/**
 * Asserts `actual` matches the reference: same shape and max |a − e| <= atol + rtol·max|e| (see
 * `closeness` for NaN and ±∞). Returns the max difference so tests can report it. Disposes nothing.
 */
export function expectClose(actual: tf.Tensor, expected: EncodedTensor | tf.Tensor, tol: Tolerance = {}, what = ''): number {
  const exp = expected instanceof tf.Tensor ? { shape: expected.shape, data: Array.from(expected.dataSync()) } : expected;
  return assertClose(actual.shape, actual.dataSync(), exp, tol, what);
}

/** `expectClose` reading the tensors asynchronously (for backends that cannot read synchronously). */
export async function expectCloseAsync(
  actual: tf.Tensor,
  expected: EncodedTensor | tf.Tensor,
  tol: Tolerance = {},
  what = '',
): Promise<number> {
  const exp = expected instanceof tf.Tensor ? { shape: expected.shape, data: Array.from(await expected.data()) } : expected;
  return assertClose(actual.shape, await actual.data(), exp, tol, what);
}

const diffAndRef = (a: tf.Tensor, b: tf.Tensor): tf.Scalar[] =>
  tf.tidy(() => [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))]) as tf.Scalar[];

/** max |a − b| / max |b|. */
export function relativeDiff(a: tf.Tensor, b: tf.Tensor): number {
  const [d, m] = diffAndRef(a, b);
  const ratio = d.dataSync()[0] / m.dataSync()[0];
  tf.dispose([d, m]);
  return ratio;
}

/** `relativeDiff` reading the tensors asynchronously. */
export async function relativeDiffAsync(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [d, m] = diffAndRef(a, b);
  const ratio = (await d.data())[0] / (await m.data())[0];
  tf.dispose([d, m]);
  return ratio;
}

/** The first value of a tensor, read asynchronously. */
export async function scalar(t: tf.Tensor): Promise<number> {
  return (await t.data())[0];
}

/** Runs `fn` and checks it leaves no tensor behind. */
export function expectNoLeaks<T>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const result = fn();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}
