import { ConvkitError, FormatError } from '@convkit/core';
import type { DecodedImage } from './image';

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
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    data[i] = rgba[j];
    data[i + 1] = rgba[j + 1];
    data[i + 2] = rgba[j + 2];
  }
  return { data, width, height, channels: 3 };
}
