import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** Runs `fn` and checks that the only tensor it leaves behind is the one it returns. */
export function leavesOnlyResult<T extends tf.Tensor>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const result = fn();
  expect(tf.memory().numTensors).toBe(before + 1);
  return result;
}
