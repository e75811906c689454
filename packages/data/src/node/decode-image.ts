import { FormatError } from '@convkit/core';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { type DecodedImage, rgbFromRgba } from '../image';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/** 'png' or 'jpeg' from the file's magic number (extensions lie), or undefined. */
export function sniffImageFormat(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (startsWith(bytes, PNG_MAGIC)) return 'png';
  if (startsWith(bytes, JPEG_MAGIC)) return 'jpeg';
  return undefined;
}

/**
 * Decodes a PNG (pngjs) or JPEG (jpeg-js) file to 8-bit RGB, like PIL's `Image.open(f).convert('RGB')`:
 * grey is replicated, palettes are expanded, alpha is dropped (not composited), EXIF orientation is
 * not applied. Pure JavaScript, so results are the same on every platform; JPEG pixels may differ
 * from libjpeg's (PIL's) by a few levels because the IDCT and chroma upsampling differ.
 */
export function decodeImage(bytes: Uint8Array, name = 'image'): DecodedImage {
  const format = sniffImageFormat(bytes);
  if (!format) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new FormatError(`${name}@0`, `expected a PNG (89 50 4e 47 …) or JPEG (ff d8 ff) signature, got ${head || 'no bytes'}`);
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return format === 'png' ? decodePng(buffer) : decodeJpeg(buffer);
  } catch (cause) {
    throw new FormatError(name, `cannot decode ${bytes.length} bytes as ${format.toUpperCase()}: ${(cause as Error).message}`, { cause });
  }
}

function decodePng(buffer: Buffer): DecodedImage {
  // pngjs always hands back 8-bit RGBA (16-bit samples are rescaled, palettes expanded).
  const { data: rgba, width, height } = pngjs.PNG.sync.read(buffer);
  return rgbFromRgba(rgba, width, height);
}

function decodeJpeg(buffer: Buffer): DecodedImage {
  // tolerantDecoding would silently return a half-grey image for a truncated file.
  const { data, width, height } = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false });
  if (data.length !== width * height * 3) throw new Error(`decoder returned ${data.length} bytes for ${width}x${height} RGB`);
  return { data: data as Uint8Array, width, height, channels: 3 };
}
