import type { DecodedImage } from '@convkit/data';

/** A generated 256×256 RGB picture (sky, sun, hills), so the app works without any download. */
export function sampleImage(size = 256): DecodedImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const hill = y > size * 0.62 + 18 * Math.sin(x / 23);
      const sun = (x - size * 0.72) ** 2 + (y - size * 0.25) ** 2 < (size * 0.1) ** 2;
      const rgb = hill ? [40 + (x % 7) * 4, 120 + (y % 11) * 5, 45] : sun ? [255, 214, 80] : [110 + y / 4, 160 + y / 5, 235];
      data.set(rgb, 3 * (y * size + x));
    }
  }
  return { data, height: size, width: size, channels: 3 };
}
