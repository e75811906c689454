// The kernels convkit registers over tfjs's, against a plain JavaScript reference.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectCloseAsync } from '@convkit/test-utils';
import { backendsUnderTest, useBackend } from './context';

/** Constant padding by index arithmetic, independent of every backend. */
function padReference(
  x: Float32Array,
  shape: number[],
  paddings: Array<[number, number]>,
  value: number,
): { shape: number[]; data: number[] } {
  const out = shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const size = out.reduce((a, b) => a * b, 1);
  const data = new Array<number>(size).fill(value);
  for (let flat = 0; flat < x.length; flat++) {
    let rest = flat;
    let target = 0;
    for (let i = 0; i < shape.length; i++) {
      const inner = shape.slice(i + 1).reduce((a, b) => a * b, 1);
      const c = Math.floor(rest / inner);
      rest -= c * inner;
      target = target * out[i] + c + paddings[i][0];
    }
    data[target] = x[flat];
  }
  return { shape: out, data };
}

const padCases: Array<{ name: string; shape: number[]; paddings: Array<[number, number]>; value: number }> = [
  {
    name: 'rank 6, as a dilated 3×3 kernel',
    shape: [3, 1, 3, 1, 4, 5],
    paddings: [
      [0, 0],
      [0, 1],
      [0, 0],
      [0, 1],
      [0, 0],
      [0, 0],
    ],
    value: 0,
  },
  {
    name: 'rank 5, every axis padded, -Infinity',
    shape: [2, 3, 2, 2, 3],
    paddings: [
      [1, 0],
      [0, 1],
      [2, 1],
      [1, 1],
      [0, 2],
    ],
    value: -Infinity,
  },
  {
    name: 'rank 4 (handed back to tfjs)',
    shape: [2, 5, 4, 3],
    paddings: [
      [0, 0],
      [1, 2],
      [2, 1],
      [0, 0],
    ],
    value: 1.5,
  },
];

describe.each(backendsUnderTest())('PadV2 on %s', (backend) => {
  const { expectActive } = useBackend(backend);

  it.each(padCases)('$name', async ({ shape, paddings, value }) => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 7);
    const before = tf.memory().numTensors;
    const y = tf.pad(x, paddings, value);
    await expectCloseAsync(y, padReference((await x.data()) as Float32Array, shape, paddings, value), { rtol: 0, atol: 0 });
    // The gradient of a pad is a slice of dy.
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.pad(t, paddings, value), tf.reshape(tf.range(0, y.size), y.shape))))(x);
    expect(dx.shape).toEqual(shape);
    tf.dispose([y, dx]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    expectActive();
  });
});
