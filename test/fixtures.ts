import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

import type { EncodedTensor } from './small-cnn-fixture';

export { type EncodedTensor, toTensor } from './small-cnn-fixture';

export function readJson<T>(url: URL): T {
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

/**
 * Asserts `actual` matches the reference: same shape and max |a - e| <= atol + rtol·max|e|.
 * Returns the max difference so tests can report it.
 */
export function expectClose(actual: tf.Tensor, expected: EncodedTensor | tf.Tensor, { rtol = 1e-4, atol = 1e-5 } = {}): number {
  const exp = expected instanceof tf.Tensor ? { shape: expected.shape, data: Array.from(expected.dataSync()) } : expected;
  expect(actual.shape).toEqual(exp.shape);
  const a = actual.dataSync();
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - exp.data[i]));
    maxRef = Math.max(maxRef, Math.abs(exp.data[i]));
    if (Number.isNaN(a[i]) !== Number.isNaN(exp.data[i])) maxDiff = Infinity;
  }
  expect(maxDiff, `max |diff| ${maxDiff} vs tolerance ${atol + rtol * maxRef}`).toBeLessThanOrEqual(atol + rtol * maxRef);
  return maxDiff;
}

/** Runs `fn` and checks it leaves no tensor behind. */
export function expectNoLeaks<T>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const result = fn();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}
