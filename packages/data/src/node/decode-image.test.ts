import { readFileSync } from 'node:fs';
import { FormatError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { readJson } from '@convkit/test-utils/node';
import { decodeImage, sniffImageFormat } from './decode-image';

interface Decoded {
  mode: string;
  height: number;
  width: number;
  data: number[];
}
const images = readJson<Record<string, Decoded>>(new URL('../__fixtures__/images.json', import.meta.url));
const file = (name: string) => new Uint8Array(readFileSync(new URL(`../__fixtures__/images/${name}`, import.meta.url)));

function diffs(a: Uint8Array, b: number[]) {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}

describe('decodeImage against PIL (Image.open(f).convert("RGB"))', () => {
  it.each(Object.keys(images).filter((n) => n.endsWith('.png')))('%s is pixel-exact', (name) => {
    const ref = images[name];
    const im = decodeImage(file(name), name);
    expect({ width: im.width, height: im.height, channels: im.channels }).toEqual({ width: ref.width, height: ref.height, channels: 3 });
    expect(Array.from(im.data)).toEqual(ref.data);
  });

  // jpeg-js and libjpeg differ in IDCT rounding and chroma upsampling (libjpeg's "fancy" upsampling
  // blends neighbours; jpeg-js replicates), so 4:2:0 files differ most. Measured (max / mean levels):
  // 4:4:4 q95 2 / 0.54, grey 1 / 0.06, 4:2:0 q90 18 / 3.6 on this deliberately noisy image.
  it.each([
    ['q95-444.jpg', 2, 0.75],
    ['gray.jpg', 1, 0.1],
    ['q90-420.jpg', 20, 4],
  ] as const)('%s is within max %i / mean %s levels', (name, maxDiff, meanDiff) => {
    const ref = images[name];
    const im = decodeImage(file(name), name);
    expect([im.width, im.height]).toEqual([ref.width, ref.height]);
    const d = diffs(im.data, ref.data);
    expect(d.max).toBeLessThanOrEqual(maxDiff);
    expect(d.mean).toBeLessThanOrEqual(meanDiff);
  });
});

describe('decodeImage on bad files', () => {
  it('sniffs the format from the magic number', () => {
    expect(sniffImageFormat(file('rgb.png'))).toBe('png');
    expect(sniffImageFormat(file('gray.jpg'))).toBe('jpeg');
    expect(sniffImageFormat(new TextEncoder().encode('GIF89a'))).toBeUndefined();
  });

  it('throws FormatError naming the file', () => {
    expect(() => decodeImage(new TextEncoder().encode('GIF89a....'), 'a.gif')).toThrow(FormatError);
    expect(() => decodeImage(new TextEncoder().encode('GIF89a....'), 'a.gif')).toThrow(
      /a\.gif@0: expected a PNG .* or JPEG .* signature, got 47 49 46 38 39 61 2e 2e/,
    );
    expect(() => decodeImage(new Uint8Array(0), 'empty')).toThrow(/got no bytes/);
    const png = file('rgb.png');
    expect(() => decodeImage(png.subarray(0, png.length - 30), 'cut.png')).toThrow(/cut\.png: cannot decode \d+ bytes as PNG/);
    const jpg = file('q90-420.jpg');
    expect(() => decodeImage(jpg.subarray(0, 200), 'cut.jpg')).toThrow(FormatError);
    const corrupt = png.slice();
    corrupt[40] ^= 0xff; // inside IHDR/IDAT: the CRC check fails
    expect(() => decodeImage(corrupt, 'crc.png')).toThrow(FormatError);
  });
});
