import type { GreyImage } from './images';

export interface WindowTerm {
  /** Input row/column, outside the image when it is padding. */
  y: number;
  x: number;
  value: number;
  weight: number;
}

/**
 * The terms behind one output pixel: the window the kernel covers (zeros where it overlaps the
 * padding) paired with the kernel weights. Written out by hand, independently of conv2d, so
 * the page can show the sum and conv2d's result side by side.
 */
export function windowTerms(
  image: GreyImage,
  weights: number[],
  size: number,
  stride: number,
  padding: number,
  oy: number,
  ox: number,
): WindowTerm[] {
  const terms: WindowTerm[] = [];
  for (let ky = 0; ky < size; ky++) {
    for (let kx = 0; kx < size; kx++) {
      const y = oy * stride - padding + ky;
      const x = ox * stride - padding + kx;
      const inside = y >= 0 && x >= 0 && y < image.height && x < image.width;
      terms.push({ y, x, value: inside ? image.data[y * image.width + x] : 0, weight: weights[ky * size + kx] });
    }
  }
  return terms;
}

/** `+v` with at most 3 decimals, for the arithmetic display. */
export const num = (v: number): string => String(+v.toFixed(3));
