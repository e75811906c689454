import { readFileSync } from 'node:fs';
import { FormatError, ImageTooLargeError, OptionError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { readJson } from '@convkit/test-utils/node';
import { blackPng } from './__fixtures__/black-png';
import {
  checkImageSize,
  DEFAULT_MAX_PIXELS,
  detectImageFormat,
  type ImageHeader,
  readImageHeader,
  TruncatedHeaderError,
} from './image-header';

// Small files written by PIL (scripts/fixtures/image-headers.py) and the size PIL reads back.
const pil = readJson<Record<string, ImageHeader>>(new URL('./__fixtures__/headers.json', import.meta.url));
const file = (name: string) => new Uint8Array(readFileSync(new URL(`./__fixtures__/headers/${name}`, import.meta.url)));

/** Bytes from numbers, byte arrays and ASCII strings. */
const bytes = (...parts: (number | number[] | string)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p)));
const u16be = (n: number) => [n >> 8, n & 0xff];
const u16le = (n: number) => [n & 0xff, n >> 8];
const u32le = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

describe('readImageHeader against PIL', () => {
  it.each(Object.keys(pil))('%s', (name) => {
    expect(readImageHeader(file(name), name)).toEqual(pil[name]);
  });

  it('reads the declared size of a 1.2 MB PNG bomb without inflating it', () => {
    const bomb = blackPng(20000, 20000, 4);
    expect(bomb.length).toBeGreaterThan(1_000_000);
    expect(readImageHeader(bomb)).toEqual({ format: 'png', width: 20000, height: 20000 });
  });

  it('sniffs the format from the magic number', () => {
    expect(Object.keys(pil).map((n) => detectImageFormat(file(n)))).toEqual(Object.values(pil).map((h) => h.format));
    expect(detectImageFormat(bytes('RIFF', [0, 0, 0, 0], 'WAVE'))).toBeUndefined();
    expect(() => readImageHeader(bytes('II*\0'), 'a.tif')).toThrow(
      /^a\.tif@0: expected a PNG, JPEG, GIF, BMP or WebP signature, got 49 49 2a 00$/,
    );
    expect(() => readImageHeader(new Uint8Array(0), 'empty')).toThrow(/got no bytes/);
  });
});

describe('JPEG frame header behind other segments', () => {
  // SOI, APP1, fill bytes, APP14, COM, DHT (ffc4) and DAC (ffcc) — neither a frame header — then
  // SOF2 declaring 567 rows of 1234 samples.
  const jpeg = bytes(
    [0xff, 0xd8],
    [0xff, 0xe1, ...u16be(10)],
    'Exif\0\0ab',
    [0xff, 0xff, 0xff, 0xee, ...u16be(4), 1, 2],
    [0xff, 0xfe, ...u16be(5), 0x68, 0x69, 0x21],
    [0xff, 0xc4, ...u16be(4), 0, 0],
    [0xff, 0xcc, ...u16be(4), 0, 0],
    [0xff, 0xc2, ...u16be(17), 8, ...u16be(567), ...u16be(1234), 3],
  );

  it('skips APPn, COM and table segments and fill bytes to the SOF', () => {
    expect(readImageHeader(jpeg, 'hand.jpg')).toEqual({ format: 'jpeg', width: 1234, height: 567 });
  });

  it('names the offset of a truncated or corrupt header', () => {
    const sof = jpeg.length - 10; // the SOF2 marker
    expect(() => readImageHeader(jpeg.subarray(0, 5), 'cut.jpg')).toThrow(
      /^cut\.jpg@4: header truncated: expected the length of segment ff e1 \(2 bytes\) here, the data ends at 5$/,
    );
    expect(() => readImageHeader(jpeg.subarray(0, sof + 6), 'cut.jpg')).toThrow(
      `cut.jpg@${sof + 5}: header truncated: expected the frame height`,
    );
    const corrupt = jpeg.slice();
    corrupt[14] = 0x00; // the marker before the fill bytes
    expect(() => readImageHeader(corrupt, 'bad.jpg')).toThrow(/^bad\.jpg@14: expected a marker \(ff xx\), got 00 ff$/);
    const scanFirst = bytes([0xff, 0xd8, 0xff, 0xda, 0, 2]);
    expect(() => readImageHeader(scanFirst, 'scan.jpg')).toThrow(/^scan\.jpg@2: expected a frame header \(SOF0–SOF15\) before ff da$/);
    expect(() => readImageHeader(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 1]), 'len.jpg')).toThrow(/^len\.jpg@4: segment ff e0 has length 1/);
    const dnl = bytes([0xff, 0xd8, 0xff, 0xc0, ...u16be(11), 8, 0, 0, ...u16be(64), 1]);
    expect(() => readImageHeader(dnl, 'dnl.jpg')).toThrow(/^dnl\.jpg@7: frame height 0 \(defined later by DNL\)/);
  });

  it('agrees with PIL for every prefix long enough, and is truncated for every shorter one', () => {
    const real = file('app-segments.jpg');
    // Only the SOF's height and width must be there: 949 (marker) + 2 + 2 + 1 + 4.
    expect(readImageHeader(real.subarray(0, 958))).toEqual(pil['app-segments.jpg']);
    for (let n = 0; n < 958; n += 7) expect(() => readImageHeader(real.subarray(0, n))).toThrow(FormatError);
    expect(() => readImageHeader(real.subarray(0, 957))).toThrow(TruncatedHeaderError);
  });
});

describe('other formats: hand-built headers, truncated and corrupt', () => {
  it('PNG', () => {
    const png = file('rgb.png');
    expect(() => readImageHeader(png.subarray(0, 20), 'cut.png')).toThrow(
      /^cut\.png@20: header truncated: expected the IHDR height \(4 bytes\) here/,
    );
    const notIhdr = png.slice();
    notIhdr[15] = 0x58; // IHDR -> IHDX
    expect(() => readImageHeader(notIhdr, 'x.png')).toThrow(
      /^x\.png@8: expected the IHDR chunk \(length 13\) first, got 'IHDX' \(length 13\)$/,
    );
    const zero = png.slice();
    zero.fill(0, 16, 20);
    expect(() => readImageHeader(zero, 'zero.png')).toThrow(/^zero\.png@16: declares 0×17 pixels/);
    zero.set([0x80, 0, 0, 0], 16);
    expect(() => readImageHeader(zero, 'huge.png')).toThrow(/^huge\.png@16: declares 2147483648×17; PNG allows at most 2\^31-1/);
  });

  it('GIF: the larger of the logical screen and the first frame, which browsers grow the canvas to', () => {
    // Screen 1×1, a 2-entry global colour table, a graphic control extension, then a frame of
    // 40000×30000 at (10, 5).
    const gif = bytes(
      'GIF89a',
      u16le(1),
      u16le(1),
      [0x80, 0, 0],
      [0, 0, 0, 255, 255, 255],
      [0x21, 0xf9, 4, 0, 0, 0, 0, 0],
      [0x2c, ...u16le(10), ...u16le(5), ...u16le(40000), ...u16le(30000), 0],
    );
    expect(readImageHeader(gif)).toEqual({ format: 'gif', width: 40010, height: 30005 });
    expect(() => readImageHeader(gif.subarray(0, 25), 'cut.gif')).toThrow(/^cut\.gif@26: header truncated: expected a sub-block size/);
    const trailer = gif.slice();
    trailer[27] = 0x3b; // the trailer where the frame should be
    expect(() => readImageHeader(trailer, 'empty.gif')).toThrow(
      /^empty\.gif@27: expected an image descriptor \(2c\) or extension \(21\), got 3b$/,
    );
  });

  it('BMP: 16-bit core headers, signed 32-bit later ones (negative = top-down)', () => {
    const head = (dib: number, size: number[]) => bytes('BM', new Array(12).fill(0), u32le(dib), size, new Array(8).fill(0));
    expect(readImageHeader(head(12, [...u16le(640), ...u16le(480)]))).toMatchObject({ width: 640, height: 480 });
    expect(readImageHeader(head(40, [...u32le(70000), ...u32le(-300)]))).toMatchObject({ width: 70000, height: 300 });
    expect(() => readImageHeader(head(8, []), 'a.bmp')).toThrow(/^a\.bmp@14: DIB header size 8; expected 12, or 16 or more$/);
    expect(() => readImageHeader(head(40, [...u32le(-5), ...u32le(3)]), 'b.bmp')).toThrow(/^b\.bmp@18: declares -5×3 pixels/);
    expect(() => readImageHeader(file('rgb.bmp').subarray(0, 24), 'c.bmp')).toThrow(/^c\.bmp@22: header truncated: expected the height/);
  });

  it('WebP: VP8 (scale bits masked), VP8L (14-bit sizes minus one), VP8X (24-bit canvas minus one)', () => {
    const riff = (chunk: string, ...payload: number[][]) => bytes('RIFF', u32le(0), 'WEBP', chunk, u32le(0), ...payload);
    const vp8 = riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a], u16le(0xc000 | 300), u16le(0x4000 | 150));
    expect(readImageHeader(vp8)).toEqual({ format: 'webp', width: 300, height: 150 });
    const vp8l = riff('VP8L', [0x2f], u32le(399 | (299 << 14)));
    expect(readImageHeader(vp8l)).toMatchObject({ width: 400, height: 300 });
    const vp8x = riff('VP8X', [0x10, 0, 0, 0], [0x1f, 0x4e, 0], [0x1f, 0x4e, 0]); // 19999 + 1
    expect(readImageHeader(vp8x)).toMatchObject({ width: 20000, height: 20000 });
    const badStart = vp8.slice();
    badStart[24] = 0;
    expect(() => readImageHeader(badStart, 'a.webp')).toThrow(/^a\.webp@23: expected the VP8 start code 9d 01 2a, got 9d 00 2a$/);
    expect(() => readImageHeader(riff('VP8L', [0x2e]), 'b.webp')).toThrow(/^b\.webp@20: expected the VP8L signature 2f/);
    expect(() => readImageHeader(riff('ALPH'), 'c.webp')).toThrow(/^c\.webp@12: expected a VP8, VP8L or VP8X chunk, got 'ALPH'$/);
    expect(() => readImageHeader(vp8x.subarray(0, 28), 'd.webp')).toThrow(/^d\.webp@27: header truncated: expected the canvas height/);
  });

  it('every header prefix of the PIL files is a FormatError, never a wrong size', () => {
    for (const name of Object.keys(pil)) {
      const whole = file(name);
      for (let n = 0; n < Math.min(whole.length, 40); n++) {
        try {
          expect(readImageHeader(whole.subarray(0, n))).toEqual(pil[name]);
        } catch (e) {
          expect(e, `${name} cut at ${n}`).toBeInstanceOf(FormatError);
        }
      }
    }
  });
});

describe('checkImageSize', () => {
  const png = file('rgb.png'); // 33×17 = 561 pixels

  it('lets through up to maxPixels and refuses above it, naming the file and the declared size', () => {
    expect(checkImageSize(png, 'a.png', 561)).toEqual(pil['rgb.png']);
    expect(checkImageSize(png, 'a.png', Number.POSITIVE_INFINITY).width).toBe(33);
    expect(() => checkImageSize(png, 'a.png', 560)).toThrow(
      /^a\.png: declares 33×17 = 561 pixels, more than the limit 560 \(raise maxPixels to allow it\)$/,
    );
    const error = (() => {
      try {
        checkImageSize(blackPng(20000, 20000, 1), 'photo.png');
      } catch (e) {
        return e;
      }
    })() as ImageTooLargeError;
    expect(error).toBeInstanceOf(ImageTooLargeError);
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(
      'photo.png: declares 20000×20000 = 400,000,000 pixels, more than the limit 89,478,485 (raise maxPixels to allow it)',
    );
    expect([error.where, error.width, error.height, error.maxPixels]).toEqual(['photo.png', 20000, 20000, DEFAULT_MAX_PIXELS]);
  });

  it('checks maxPixels itself', () => {
    for (const bad of [0, -1, Number.NaN]) expect(() => checkImageSize(png, 'a.png', bad)).toThrow(OptionError);
    expect(() => checkImageSize(png, 'a.png', 0)).toThrow(
      /^maxPixels: expected a positive number of pixels \(Infinity for no limit\), got 0$/,
    );
  });
});
