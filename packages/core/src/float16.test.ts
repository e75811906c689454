import { describe, expect, it } from 'vitest';
import { float16ToFloat32 } from './float16';

describe('float16ToFloat32', () => {
  // Bit patterns worked out from IEEE 754 binary16: sign | 5-bit exponent (bias 15) | 10-bit fraction.
  it.each([
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125], // 2^-2 · (1 + 341/1024)
    [0x7bff, 65504], // largest finite
    [0x0400, 2 ** -14], // smallest normal
    [0x0001, 2 ** -24], // smallest subnormal
    [0x0000, 0],
    [0x7c00, Number.POSITIVE_INFINITY],
    [0xfc00, Number.NEGATIVE_INFINITY],
  ])('0x%s → %s', (bits, value) => {
    expect(float16ToFloat32(bits)).toBe(value);
  });

  it('NaN and negative zero', () => {
    expect(float16ToFloat32(0x7e00)).toBeNaN();
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
  });
});
