import { describe, expect, it } from 'vitest';
import { closeness } from './compare';

describe('closeness (the comparison behind expectClose)', () => {
  it('takes the max |difference| and the max |reference| over finite references', () => {
    const c = closeness([1, 2.5, -4], [1, 2, -3], { rtol: 0.1, atol: 0.01 });
    expect([c.maxDiff, c.maxRef]).toEqual([1, 3]);
    expect(c.tolerance).toBeCloseTo(0.01 + 0.1 * 3, 12);
  });

  it('is strict about NaN and ±∞: only the same non-finite value matches', () => {
    expect(closeness([1, Number.NaN, Infinity, -Infinity], [1, Number.NaN, Infinity, -Infinity]).maxDiff).toBe(0);
    expect(closeness([Number.NaN], [1]).maxDiff).toBe(Infinity);
    expect(closeness([1], [Number.NaN]).maxDiff).toBe(Infinity);
    expect(closeness([Infinity], [-Infinity]).maxDiff).toBe(Infinity);
    expect(closeness([1e30], [Infinity]).maxDiff).toBe(Infinity);
    // An infinite reference does not widen the tolerance.
    expect(closeness([2, Infinity], [1, Infinity]).maxRef).toBe(1);
  });

  it('arrays of different lengths never match', () => {
    expect(closeness([1, 2], [1, 2, 3]).maxDiff).toBe(Infinity);
  });
});
