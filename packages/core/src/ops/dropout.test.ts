import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@convkit/test-utils';
import { Generator } from '../random';
import { dropout, dropout2d } from './dropout';

describe('dropout (inverted)', () => {
  it('keeps about 1-p of the values, scaled by 1/(1-p), and preserves the mean', () => {
    const x = tf.ones([200, 100]);
    const y = dropout(x, 0.3, { generator: 1 });
    const v = y.dataSync();
    const kept = v.filter((e) => e !== 0);
    expect(kept.length / v.length).toBeGreaterThan(0.68);
    expect(kept.length / v.length).toBeLessThan(0.72);
    for (const e of kept) expect(e).toBeCloseTo(1 / 0.7, 5);
    const mean = Array.from(v).reduce((a, b) => a + b, 0) / v.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.03);
    tf.dispose([x, y]);
  });

  it('is the identity in evaluation and for p = 0', () => {
    const x = tf.randomNormal([4, 5]);
    expectNoLeaks(() => {
      const a = dropout(x, 0.5, { training: false });
      const b = dropout(x, 0);
      expect(Array.from(a.dataSync())).toEqual(Array.from(x.dataSync()));
      expect(Array.from(b.dataSync())).toEqual(Array.from(x.dataSync()));
      tf.dispose([a, b]);
    });
    x.dispose();
  });

  it('draws a fresh mask per call and repeats by seed', () => {
    const x = tf.ones([1000]);
    const g = new Generator(7);
    const [a, b] = [dropout(x, 0.5, { generator: g }), dropout(x, 0.5, { generator: g })];
    const [c, d] = [dropout(x, 0.5, { generator: 7 }), dropout(x, 0.5, { generator: 7 })];
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
    expect(Array.from(c.dataSync())).toEqual(Array.from(d.dataSync()));
    expect(Array.from(a.dataSync())).toEqual(Array.from(c.dataSync()));
    tf.dispose([x, a, b, c, d]);
  });

  it('dropout2d zeroes whole channels of each example', () => {
    const x = tf.ones([16, 4, 4, 32]) as tf.Tensor4D;
    const y = dropout2d(x, 0.5, { generator: 3 });
    const v = y.dataSync();
    let zeroChannels = 0;
    for (let n = 0; n < 16; n++) {
      for (let c = 0; c < 32; c++) {
        const vals = new Set<number>();
        for (let i = 0; i < 16; i++) vals.add(v[n * 16 * 32 + i * 32 + c]);
        expect(vals.size).toBe(1); // one decision per (example, channel)
        const [only] = vals;
        if (only === 0) zeroChannels++;
        else expect(only).toBeCloseTo(2, 5);
      }
    }
    expect(zeroChannels / (16 * 32)).toBeGreaterThan(0.4);
    expect(zeroChannels / (16 * 32)).toBeLessThan(0.6);
    tf.dispose([x, y]);
  });

  it('passes gradients only through kept values', () => {
    const x = tf.randomNormal([50]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(dropout(t, 0.4, { generator: 11 })))(x);
    const mask = dropout(tf.onesLike(x), 0.4, { generator: 11 });
    expect(Array.from(g.dataSync())).toEqual(Array.from(mask.dataSync()));
    tf.dispose([x, g, mask]);
  });
});
