import { FormatError } from '@convkit/core';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { type DecodedImage, rgbFromRgba } from '../image';
import { checkImageSize, checkMaxPixels, DEFAULT_MAX_PIXELS, detectImageFormat } from '../image-header';

/** 'png' or 'jpeg' from the file's magic number (extensions lie), or undefined. */
export function sniffImageFormat(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  const format = detectImageFormat(bytes);
  return format === 'png' || format === 'jpeg' ? format : undefined;
}

export interface DecodeImageOptions {
  /**
   * Refuse (`ImageTooLargeError`, before decoding) an image whose header declares more pixels
   * than this; default Pillow's `Image.MAX_IMAGE_PIXELS`, 89,478,485. `Infinity`: no limit.
   */
  maxPixels?: number;
}

/**
 * Decodes a PNG (pngjs) or JPEG (jpeg-js) file to 8-bit RGB, like PIL's `Image.open(f).convert('RGB')`:
 * grey is replicated, palettes are expanded, alpha is dropped (not composited), EXIF orientation is
 * not applied. Pure JavaScript, so results are the same on every platform; JPEG pixels may differ
 * from libjpeg's (PIL's) by a few levels because the IDCT and chroma upsampling differ.
 */
export function decodeImage(bytes: Uint8Array, name = 'image', { maxPixels = DEFAULT_MAX_PIXELS }: DecodeImageOptions = {}): DecodedImage {
  checkMaxPixels(maxPixels);
  const format = sniffImageFormat(bytes);
  if (!format) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new FormatError(`${name}@0`, `expected a PNG (89 50 4e 47 …) or JPEG (ff d8 ff) signature, got ${head || 'no bytes'}`);
  }
  // The header first: a small file can declare gigabytes of pixels, which the decoders would allocate.
  const { width, height } = checkImageSize(bytes, name, maxPixels);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return format === 'png' ? decodePng(buffer) : decodeJpeg(buffer, maxPixels, width * height);
  } catch (cause) {
    throw new FormatError(name, `cannot decode ${bytes.length} bytes as ${format.toUpperCase()}: ${(cause as Error).message}`, { cause });
  }
}

function decodePng(buffer: Buffer): DecodedImage {
  // pngjs always hands back 8-bit RGBA (16-bit samples are rescaled, palettes expanded).
  const { data: rgba, width, height } = pngjs.PNG.sync.read(buffer);
  return rgbFromRgba(rgba, width, height);
}

// What jpeg-js counts against maxMemoryUsageInMB: per component (it decodes at most 4) 4 bytes a
// sample for its DCT blocks, 1 for its output lines and 1 in the interleaved result, then 3 bytes a
// pixel of RGB; the constant covers MCU padding (at most 65535 × 32 samples a component) and tables.
const JPEG_BYTES_PER_PIXEL = 4 * (4 + 1 + 1) + 3;
const JPEG_EXTRA_MB = 64;

function decodeJpeg(buffer: Buffer, maxPixels: number, declaredPixels: number): DecodedImage {
  // tolerantDecoding would silently return a half-grey image for a truncated file. jpeg-js's own
  // limits back up the header check without ever refusing what it allowed: its resolution limit
  // catches a later frame header larger than the first, its memory limit (sized for the first
  // frame's pixels) a frame header that declares more components than an image has.
  const { data, width, height } = jpeg.decode(buffer, {
    useTArray: true,
    formatAsRGBA: false,
    tolerantDecoding: false,
    maxResolutionInMP: maxPixels / 1e6,
    maxMemoryUsageInMB: (declaredPixels * JPEG_BYTES_PER_PIXEL) / 2 ** 20 + JPEG_EXTRA_MB,
  });
  if (data.length !== width * height * 3) throw new Error(`decoder returned ${data.length} bytes for ${width}x${height} RGB`);
  return { data: data as Uint8Array, width, height, channels: 3 };
}
