import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { init, skipInit } from './init';
import { Generator } from './random';

describe('skipInit', () => {
  it('fills zeros for the random initialisers and leaves the generator where it was', () => {
    const g = new Generator(7);
    const [w, n, ones] = skipInit(() => [init.defaultWeight([3, 4], 3, g), init.kaimingNormal([2, 2], 4, g), init.ones([2])]);
    expect(Array.from(w.dataSync())).toEqual(new Array(12).fill(0));
    expect(Array.from(n.dataSync())).toEqual([0, 0, 0, 0]);
    expect(Array.from(ones.dataSync())).toEqual([1, 1]);
    expect(g.nextUint32()).toBe(new Generator(7).nextUint32());
    tf.dispose([w, n, ones]);
  });

  it('ends with its callback, even one that throws, and nests', () => {
    expect(() =>
      skipInit(() => {
        skipInit(() => undefined);
        expect(init.uniform([2], 1, 2).dataSync()[0]).toBe(0);
        throw new Error('builder failed');
      }),
    ).toThrow('builder failed');
    const drawn = init.uniform([2], 1, 2, 3);
    expect(drawn.dataSync()[0]).toBeGreaterThanOrEqual(1);
    drawn.dispose();
  });
});
