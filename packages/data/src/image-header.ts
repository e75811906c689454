import { FormatError, ImageTooLargeError, OptionError } from '@convkit/core';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp';

/** What an image file declares about itself, read without decoding it. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * Pillow's `Image.MAX_IMAGE_PIXELS` (1024 · 1024 · 1024 / 4 / 3): the default limit of the
 * decoders here. A decoded image takes 3–4 bytes a pixel, so about 270–360 MB at the limit.
 */
export const DEFAULT_MAX_PIXELS = 89_478_485;

// null: any byte (the RIFF size of a WebP file).
const SIGNATURES: readonly (readonly [ImageFormat, readonly (number | null)[]])[] = [
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['gif', [0x47, 0x49, 0x46, 0x38]], // GIF8 (7a or 9a follows)
  ['bmp', [0x42, 0x4d]],
  ['webp', [0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x45, 0x42, 0x50]],
];

/** The format from the file's magic number (extensions lie), or undefined. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  return SIGNATURES.find(([, magic]) => bytes.length >= magic.length && magic.every((b, i) => b === null || bytes[i] === b))?.[0];
}

/** The header ends before a field it needs: more bytes of the same file may still make it readable. */
export class TruncatedHeaderError extends FormatError {}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

/** Bounds-checked reads that name the file offset of whatever is missing or wrong. */
class HeaderReader {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(offset: number, count: number, what: string): void {
    if (offset + count > this.bytes.length) {
      const size = `${count} byte${count > 1 ? 's' : ''}`;
      throw new TruncatedHeaderError(
        `${this.name}@${offset}`,
        `header truncated: expected ${what} (${size}) here, the data ends at ${this.bytes.length}`,
      );
    }
  }

  fail(offset: number, message: string): FormatError {
    return new FormatError(`${this.name}@${offset}`, message);
  }

  u8(o: number, what: string): number {
    this.need(o, 1, what);
    return this.bytes[o];
  }
  u16be(o: number, what: string): number {
    this.need(o, 2, what);
    return this.view.getUint16(o);
  }
  u16le(o: number, what: string): number {
    this.need(o, 2, what);
    return this.view.getUint16(o, true);
  }
  u24le(o: number, what: string): number {
    return this.u16le(o, what) | (this.u8(o + 2, what) << 16);
  }
  u32be(o: number, what: string): number {
    this.need(o, 4, what);
    return this.view.getUint32(o);
  }
  u32le(o: number, what: string): number {
    this.need(o, 4, what);
    return this.view.getUint32(o, true);
  }
  i32le(o: number, what: string): number {
    this.need(o, 4, what);
    return this.view.getInt32(o, true);
  }
  ascii(o: number, count: number, what: string): string {
    this.need(o, count, what);
    return String.fromCharCode(...this.bytes.subarray(o, o + count));
  }
}

/**
 * Reads the format and the declared width × height of a PNG (IHDR), JPEG (the SOF0–SOF15 frame
 * header, after any APPn/COM/table segments), GIF (logical screen and first frame), BMP or WebP
 * (VP8, VP8L, VP8X) from its first bytes, without decoding anything. Browser-safe. A truncated or
 * malformed header is a `FormatError` whose place is `name@offset`.
 */
export function readImageHeader(bytes: Uint8Array, name = 'image'): ImageHeader {
  const format = detectImageFormat(bytes);
  if (!format) {
    throw new FormatError(`${name}@0`, `expected a PNG, JPEG, GIF, BMP or WebP signature, got ${hex(bytes.subarray(0, 12)) || 'no bytes'}`);
  }
  const r = new HeaderReader(bytes, name);
  const [width, height, at] = READERS[format](r);
  if (!(width > 0 && height > 0)) throw r.fail(at, `declares ${width}×${height} pixels; expected a width and height of at least 1`);
  return { format, width, height };
}

/** Throws `OptionError` unless `maxPixels` is a positive number (Infinity: no limit). */
export function checkMaxPixels(maxPixels: number, where = 'maxPixels'): void {
  if (!(maxPixels > 0)) throw new OptionError(where, `expected a positive number of pixels (Infinity for no limit), got ${maxPixels}`);
}

/**
 * `readImageHeader`, then refuses an image that declares more than `maxPixels` pixels with an
 * `ImageTooLargeError` naming `name` and the declared size. Call it before handing bytes to a decoder.
 */
export function checkImageSize(bytes: Uint8Array, name = 'image', maxPixels = DEFAULT_MAX_PIXELS): ImageHeader {
  checkMaxPixels(maxPixels);
  const header = readImageHeader(bytes, name);
  if (header.width * header.height > maxPixels) throw new ImageTooLargeError(name, header.width, header.height, maxPixels);
  return header;
}

// Each returns [width, height, offset of the size fields] (the offset names a bad size).
const READERS: Record<ImageFormat, (r: HeaderReader) => [number, number, number]> = { png, jpeg, gif, bmp, webp };

function png(r: HeaderReader): [number, number, number] {
  // IHDR must be the first chunk: length 13 at 8, type at 12, width and height at 16 and 20.
  const length = r.u32be(8, 'the IHDR length');
  const type = r.ascii(12, 4, 'the IHDR chunk type');
  if (length !== 13 || type !== 'IHDR') throw r.fail(8, `expected the IHDR chunk (length 13) first, got '${type}' (length ${length})`);
  const width = r.u32be(16, 'the IHDR width');
  const height = r.u32be(20, 'the IHDR height');
  if (width > 0x7fffffff || height > 0x7fffffff) throw r.fail(16, `declares ${width}×${height}; PNG allows at most 2^31-1 a side`);
  return [width, height, 16];
}

// SOF0–SOF15 are ffc0–ffcf except ffc4 (DHT), ffc8 (JPG, reserved) and ffcc (DAC).
const isFrameHeader = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
// Markers without a length field: TEM, RST0–RST7, SOI.
const isStandalone = (m: number) => m === 0x01 || (m >= 0xd0 && m <= 0xd8);

function jpeg(r: HeaderReader): [number, number, number] {
  let o = 2;
  for (;;) {
    const at = o;
    if (r.u8(o, 'a marker') !== 0xff) throw r.fail(o, `expected a marker (ff xx), got ${hex(r.bytes.subarray(o, o + 2))}`);
    let marker = r.u8(++o, 'a marker');
    while (marker === 0xff) marker = r.u8(++o, 'a marker'); // fill bytes before a marker
    o++;
    if (isStandalone(marker)) continue;
    if (marker === 0x00 || marker === 0xd9 || marker === 0xda) {
      throw r.fail(at, `expected a frame header (SOF0–SOF15) before ff ${hex(Uint8Array.of(marker))}`);
    }
    const length = r.u16be(o, `the length of segment ff ${hex(Uint8Array.of(marker))}`);
    if (length < 2) throw r.fail(o, `segment ff ${hex(Uint8Array.of(marker))} has length ${length}; expected at least 2`);
    if (isFrameHeader(marker)) {
      // Frame header: length, precision (1 byte), height, width.
      const height = r.u16be(o + 3, 'the frame height');
      const width = r.u16be(o + 5, 'the frame width');
      // Height 0 defers it to a DNL marker after the first scan, which libjpeg does not support either.
      if (height === 0) throw r.fail(o + 3, 'frame height 0 (defined later by DNL) is not supported');
      return [width, height, o + 3];
    }
    o += length;
  }
}

function gif(r: HeaderReader): [number, number, number] {
  let width = r.u16le(6, 'the logical screen width');
  let height = r.u16le(8, 'the logical screen height');
  const flags = r.u8(10, 'the logical screen flags');
  // Browsers grow the canvas to the first frame when it is larger than the logical screen, so
  // the size that counts is the larger of the two: walk past the colour table and extensions.
  let o = 13 + (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0);
  for (;;) {
    const block = r.u8(o, 'a block introducer');
    if (block === 0x2c) {
      width = Math.max(width, r.u16le(o + 1, 'the frame left') + r.u16le(o + 5, 'the frame width'));
      height = Math.max(height, r.u16le(o + 3, 'the frame top') + r.u16le(o + 7, 'the frame height'));
      return [width, height, o + 5];
    }
    if (block !== 0x21) throw r.fail(o, `expected an image descriptor (2c) or extension (21), got ${hex(Uint8Array.of(block))}`);
    // Extension: label, then data sub-blocks (length byte + data) up to a zero length.
    o += 2;
    for (let size = r.u8(o, 'a sub-block size'); size !== 0; size = r.u8(o, 'a sub-block size')) o += size + 1;
    o++;
  }
}

function bmp(r: HeaderReader): [number, number, number] {
  const dib = r.u32le(14, 'the DIB header size');
  // BITMAPCOREHEADER (OS/2 1.x) has 16-bit sizes; every later header 32-bit signed ones.
  if (dib === 12) return [r.u16le(18, 'the width'), r.u16le(20, 'the height'), 18];
  if (dib < 16) throw r.fail(14, `DIB header size ${dib}; expected 12, or 16 or more`);
  // A negative height means rows stored top-down.
  return [r.i32le(18, 'the width'), Math.abs(r.i32le(22, 'the height')), 18];
}

function webp(r: HeaderReader): [number, number, number] {
  const chunk = r.ascii(12, 4, 'the first chunk type');
  if (chunk === 'VP8 ') {
    // Lossy: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height (2 bits of scale).
    const start =
      r.u8(23, 'the VP8 start code') === 0x9d && r.u8(24, 'the VP8 start code') === 0x01 && r.u8(25, 'the VP8 start code') === 0x2a;
    if (!start) throw r.fail(23, `expected the VP8 start code 9d 01 2a, got ${hex(r.bytes.subarray(23, 26))}`);
    return [r.u16le(26, 'the VP8 width') & 0x3fff, r.u16le(28, 'the VP8 height') & 0x3fff, 26];
  }
  if (chunk === 'VP8L') {
    // Lossless: signature 2f, then width-1 and height-1 in 14 bits each, least significant first.
    if (r.u8(20, 'the VP8L signature') !== 0x2f) throw r.fail(20, `expected the VP8L signature 2f, got ${hex(r.bytes.subarray(20, 21))}`);
    const bits = r.u32le(21, 'the VP8L size');
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1, 21];
  }
  // Extended: flags and 3 reserved bytes, then canvas width-1 and height-1 in 24 bits each.
  if (chunk === 'VP8X') return [r.u24le(24, 'the canvas width') + 1, r.u24le(27, 'the canvas height') + 1, 24];
  throw r.fail(12, `expected a VP8, VP8L or VP8X chunk, got '${chunk}'`);
}
