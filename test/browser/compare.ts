// Async comparisons (WebGPU cannot read tensors synchronously) against PyTorch's numbers.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

import type { EncodedTensor } from '../small-cnn-fixture';

export { type EncodedTensor, toTensor } from '../small-cnn-fixture';

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/** Max |actual − expected|, asserted to be at most atol + rtol·max|expected|. Disposes nothing. */
export async function expectClose(
  actual: tf.Tensor,
  expected: EncodedTensor | tf.Tensor,
  { rtol = 1e-4, atol = 1e-5 }: Tolerance = {},
  what = '',
): Promise<number> {
  const exp = expected instanceof tf.Tensor ? { shape: expected.shape, data: await expected.data() } : expected;
  expect(actual.shape, what).toEqual(exp.shape);
  const a = await actual.data();
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    const e = exp.data[i] as number;
    if (a[i] === e || (Number.isNaN(a[i]) && Number.isNaN(e))) continue; // also equal infinities
    maxDiff = Math.max(maxDiff, Number.isFinite(a[i] - e) ? Math.abs(a[i] - e) : Infinity);
    if (Number.isFinite(e)) maxRef = Math.max(maxRef, Math.abs(e));
  }
  expect(maxDiff, `${what} max |diff| ${maxDiff} vs tolerance ${atol + rtol * maxRef}`).toBeLessThanOrEqual(atol + rtol * maxRef);
  return maxDiff;
}

/** max |a − b| / max |b|. */
export async function relativeDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [d, m] = tf.tidy(() => [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))]);
  const [diff, ref] = [(await d.data())[0], (await m.data())[0]];
  tf.dispose([d, m]);
  return diff / ref;
}

export async function scalar(t: tf.Tensor): Promise<number> {
  return (await t.data())[0];
}
