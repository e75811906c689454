import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { conv2dParamCount, convOutputSize, linearParamCount, poolOutputSize } from './formulas';
import { conv2d } from './ops/conv';

describe("the course's worked examples", () => {
  it('5×5 image with a vertical-edge kernel gives 6 at the top-left', () => {
    // Rows 1..5 of the course's image: each row holds the values of a 1..9 ramp window.
    const image = [
      [1, 2, 3, 4, 5],
      [2, 3, 4, 5, 6],
      [3, 4, 5, 6, 7],
      [4, 5, 6, 7, 8],
      [5, 6, 7, 8, 9],
    ];
    const x = tf.tensor4d(image.flat(), [1, 5, 5, 1]);
    const kernel = tf.tensor4d([-1, 0, 1, -1, 0, 1, -1, 0, 1], [3, 3, 1, 1]);
    const y = conv2d(x, kernel);
    expect(y.shape).toEqual([1, 3, 3, 1]);
    // Top-left window: columns (1,2,3),(2,3,4),(3,4,5): (3-1)+(4-2)+(5-3) = 6.
    expect(y.dataSync()[0]).toBe(6);
    expect(Array.from(y.dataSync())).toEqual(new Array(9).fill(6));
    tf.dispose([x, kernel, y]);
  });

  it('output size formula floor((W - K + 2P)/S) + 1', () => {
    expect(convOutputSize(5, 3)).toBe(3);
    expect(convOutputSize(224, 3, { padding: 1 })).toBe(224);
    expect(convOutputSize(224, 7, { stride: 2, padding: 3 })).toBe(112);
    expect(convOutputSize(7, 3, { stride: 2 })).toBe(3);
    expect(convOutputSize(9, 3, { dilation: 2 })).toBe(5);
    expect(poolOutputSize(112, 3, { stride: 2, ceilMode: true })).toBe(56);
    expect(poolOutputSize(7, 2, { stride: 2, ceilMode: false })).toBe(3);
    expect(poolOutputSize(7, 2, { stride: 2, ceilMode: true })).toBe(4);
    // The last window may not start in the right padding: 5 + pad 1, k 2, s 2 → 3, not 4.
    expect(poolOutputSize(5, 2, { stride: 2, padding: 1, ceilMode: true })).toBe(3);
  });

  it('parameter counts of the course', () => {
    expect(conv2dParamCount({ inChannels: 3, outChannels: 64, kernelSize: 3 })).toBe(1792);
    expect(conv2dParamCount({ inChannels: 192, outChannels: 64, kernelSize: 1 })).toBe(12352);
    expect(linearParamCount(100 * 100, 100, { bias: false })).toBe(1_000_000);
    expect(linearParamCount(100 * 100, 100)).toBe(1_000_100);
    expect(conv2dParamCount({ inChannels: 32, outChannels: 32, kernelSize: 3, groups: 32, bias: false })).toBe(288);
  });
});
