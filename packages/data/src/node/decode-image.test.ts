import { readFileSync } from 'node:fs';
import { FormatError, ImageTooLargeError, OptionError } from '@convkit/core';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { readJson } from '@convkit/test-utils/node';
import { blackPng } from '../__fixtures__/black-png';
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

describe('decodeImage refuses images that declare too many pixels, before decoding', () => {
  it('the fixture generator writes valid PNGs (pngjs inflates and checks CRCs and Adler-32)', () => {
    for (const depth of [1, 4, 8] as const) {
      const im = decodeImage(blackPng(301, 7, depth), 'black.png');
      expect([im.width, im.height, im.data.length, im.data.every((v) => v === 0)]).toEqual([301, 7, 301 * 7 * 3, true]);
    }
  });

  it('a 1.2 MB PNG declaring 20000×20000: refused in well under a second, without the memory', () => {
    const bomb = blackPng(20000, 20000, 4);
    expect(bomb.length).toBeGreaterThan(1_000_000);
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    expect(() => decodeImage(bomb, 'photo.png')).toThrow(ImageTooLargeError);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(50 * 2 ** 20);
    expect(() => decodeImage(bomb, 'photo.png')).toThrow(
      'photo.png: declares 20000×20000 = 400,000,000 pixels, more than the limit 89,478,485 (raise maxPixels to allow it)',
    );
  });

  it('maxPixels: at the image size it decodes, one below it refuses; Infinity is no limit', () => {
    const png = file('rgb.png');
    const { width, height } = decodeImage(png, 'rgb.png');
    expect(decodeImage(png, 'rgb.png', { maxPixels: width * height }).width).toBe(width);
    expect(decodeImage(png, 'rgb.png', { maxPixels: Number.POSITIVE_INFINITY }).width).toBe(width);
    expect(() => decodeImage(png, 'rgb.png', { maxPixels: width * height - 1 })).toThrow(ImageTooLargeError);
    expect(() => decodeImage(png, 'rgb.png', { maxPixels: 0 })).toThrow(OptionError);
    // The larger limit lets the small PNG through, and a small limit stops the bomb the same way.
    expect(() => decodeImage(blackPng(2000, 2000, 1), 'b.png', { maxPixels: 1e6 })).toThrow(
      /declares 2000×2000 = 4,000,000 pixels, more than the limit 1,000,000/,
    );
  });

  // jpeg-js writes SOI, APP0 (JFIF), then the tables and SOF0: extra APP1/APP2/COM segments go
  // after SOI, where cameras put EXIF and ICC profiles.
  const rgba = Uint8Array.from({ length: 37 * 21 * 4 }, (_, i) => (i * 37) % 251);
  const plain = new Uint8Array(jpeg.encode({ data: rgba, width: 37, height: 21 }, 90).data);
  const segment = (marker: number, size: number) => [0xff, marker, (size + 2) >> 8, (size + 2) & 0xff, ...new Array(size).fill(0x41)];
  const withApps = Uint8Array.from([
    ...plain.subarray(0, 2),
    ...segment(0xe1, 3000),
    ...segment(0xe2, 600),
    ...segment(0xfe, 9),
    ...plain.subarray(2),
  ]);

  it('a JPEG with APP segments before the frame header: the right size, the same pixels', () => {
    const a = decodeImage(withApps, 'apps.jpg');
    expect([a.width, a.height]).toEqual([37, 21]);
    expect(Array.from(a.data)).toEqual(Array.from(decodeImage(plain, 'plain.jpg').data));
    // jpeg-js's own limits, set from maxPixels and the header, let exactly that size through.
    expect(decodeImage(withApps, 'apps.jpg', { maxPixels: 37 * 21 }).height).toBe(21);
    expect(() => decodeImage(withApps, 'apps.jpg', { maxPixels: 37 * 21 - 1 })).toThrow(/^apps\.jpg: declares 37×21 = 777 pixels/);
  });

  it('a JPEG whose frame header declares 60000×60000 is refused from the header', () => {
    const sof = plain.findIndex((b, i) => b === 0xff && plain[i + 1] === 0xc0);
    const bomb = plain.slice();
    bomb.set([0xea, 0x60, 0xea, 0x60], sof + 5); // height and width 60000
    const started = performance.now();
    expect(() => decodeImage(bomb, 'big.jpg')).toThrow(/^big\.jpg: declares 60000×60000 = 3,600,000,000 pixels/);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(() => decodeImage(plain.subarray(0, sof + 6), 'cut.jpg')).toThrow(new RegExp(`^cut\\.jpg@${sof + 5}: header truncated`));
  });
});
