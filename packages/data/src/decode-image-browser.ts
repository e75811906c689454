import { ConvkitError, FormatError, ImageTooLargeError } from '@convkit/core';
import { type DecodedImage, rgbFromRgba } from './image';
import { checkImageSize, checkMaxPixels, DEFAULT_MAX_PIXELS, type ImageHeader, TruncatedHeaderError } from './image-header';

/** True where `decodeImageInBrowser` can run (browsers and workers with OffscreenCanvas). */
export function canDecodeInBrowser(): boolean {
  return typeof createImageBitmap === 'function' && typeof OffscreenCanvas === 'function';
}

export interface DecodeImageInBrowserOptions {
  /**
   * Refuse (`ImageTooLargeError`, before the browser decodes anything) an image whose header
   * declares more pixels than this; default Pillow's `Image.MAX_IMAGE_PIXELS`, 89,478,485.
   * `Infinity` skips the check, and lets through formats whose header is not read (AVIF, ICO, …).
   */
  maxPixels?: number;
}

/**
 * Decodes a PNG, JPEG, GIF, BMP or WebP file (bytes, a Blob or a File) with `createImageBitmap`
 * and an OffscreenCanvas, returning RGB like the Node decoder. The header is read first and an
 * image declaring more than `maxPixels` is refused: the browser would allocate the whole bitmap
 * (4 bytes a pixel) whatever the file size. In Node use `decodeImage` from `@convkit/data/node`.
 * EXIF orientation and colour management are left to the browser.
 */
export async function decodeImageInBrowser(
  bytes: Uint8Array | Blob,
  name = 'image',
  { maxPixels = DEFAULT_MAX_PIXELS }: DecodeImageInBrowserOptions = {},
): Promise<DecodedImage> {
  checkMaxPixels(maxPixels);
  if (!canDecodeInBrowser()) {
    throw new ConvkitError(
      'decodeImageInBrowser',
      'needs createImageBitmap and OffscreenCanvas; in Node use decodeImage from @convkit/data/node',
    );
  }
  if (maxPixels !== Number.POSITIVE_INFINITY) {
    if (bytes instanceof Blob) await checkBlobHeader(bytes, name, maxPixels);
    else checkImageSize(bytes, name, maxPixels);
  }
  const blob = bytes instanceof Blob ? bytes : new Blob([bytes as Uint8Array<ArrayBuffer>]);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (cause) {
    throw new FormatError(name, `the browser cannot decode these ${blob.size} bytes as an image`, { cause });
  }
  const { width, height } = bitmap;
  // Should the browser's size differ from the header's, the canvas and pixel copies are still avoidable.
  if (width * height > maxPixels) {
    bitmap.close();
    throw new ImageTooLargeError(name, width, height, maxPixels);
  }
  const context = new OffscreenCanvas(width, height).getContext('2d');
  if (!context) throw new ConvkitError('decodeImageInBrowser', 'OffscreenCanvas has no 2d context here');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = context.getImageData(0, 0, width, height).data;
  return rgbFromRgba(rgba, width, height);
}

/**
 * Reads a Blob's header from a prefix, not the whole file: 64 KiB holds every header but a JPEG's
 * with large APPn segments (EXIF thumbnails, ICC profiles) before its frame header.
 */
async function checkBlobHeader(blob: Blob, name: string, maxPixels: number): Promise<ImageHeader> {
  for (let size = 64 * 1024; ; size *= 8) {
    const head = new Uint8Array(await blob.slice(0, size).arrayBuffer());
    try {
      return checkImageSize(head, name, maxPixels);
    } catch (e) {
      if (!(e instanceof TruncatedHeaderError) || size >= blob.size) throw e;
    }
  }
}
