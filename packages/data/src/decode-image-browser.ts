import { ConvkitError, FormatError } from '@convkit/core';
import { type DecodedImage, rgbFromRgba } from './image';

/** True where `decodeImageInBrowser` can run (browsers and workers with OffscreenCanvas). */
export function canDecodeInBrowser(): boolean {
  return typeof createImageBitmap === 'function' && typeof OffscreenCanvas === 'function';
}

/**
 * Decodes any image format the browser knows (PNG, JPEG, WebP, …) with `createImageBitmap` and
 * an OffscreenCanvas, returning RGB like the Node decoder. In Node use `decodeImage` from
 * `@convkit/data/node`. EXIF orientation and colour management are left to the browser.
 */
export async function decodeImageInBrowser(bytes: Uint8Array | Blob, name = 'image'): Promise<DecodedImage> {
  if (!canDecodeInBrowser()) {
    throw new ConvkitError(
      'decodeImageInBrowser',
      'needs createImageBitmap and OffscreenCanvas; in Node use decodeImage from @convkit/data/node',
    );
  }
  const blob = bytes instanceof Blob ? bytes : new Blob([bytes as Uint8Array<ArrayBuffer>]);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (cause) {
    throw new FormatError(name, `the browser cannot decode these ${blob.size} bytes as an image`, { cause });
  }
  const { width, height } = bitmap;
  const context = new OffscreenCanvas(width, height).getContext('2d');
  if (!context) throw new ConvkitError('decodeImageInBrowser', 'OffscreenCanvas has no 2d context here');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = context.getImageData(0, 0, width, height).data;
  return rgbFromRgba(rgba, width, height);
}
