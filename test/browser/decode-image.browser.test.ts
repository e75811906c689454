// decodeImageInBrowser in headless Chromium: real files of every format its header reader knows
// decode to the size PIL reads, and a decompression bomb is refused from its header before
// createImageBitmap would allocate it (20000×20000 RGBA: 1.6 GB).
// tfjs-core first, as in every spec here: @convkit/core registers tfjs's gradients on import.
import '@tensorflow/tfjs-core';
import { FormatError, ImageTooLargeError } from '@convkit/core';
import { decodeImageInBrowser } from '@convkit/data';
import { describe, expect, it } from 'vitest';
import { blackPng } from '../../packages/data/src/__fixtures__/black-png';
import pil from '../../packages/data/src/__fixtures__/headers.json';
import { inBrowser } from './context';

const urls = import.meta.glob<string>('../../packages/data/src/__fixtures__/headers/*', { query: '?url', import: 'default', eager: true });
const fixture = async (name: string) => (await fetch(urls[`../../packages/data/src/__fixtures__/headers/${name}`])).blob();

/** The error `promise` rejects with, and how long that took. */
async function refusal(promise: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = performance.now();
  try {
    await promise;
  } catch (error) {
    return { error: error as Error, ms: performance.now() - started };
  }
  throw new Error('expected a rejection');
}

describe.runIf(inBrowser)('decodeImageInBrowser checks the declared size first', () => {
  it.each(Object.keys(pil))('%s decodes to the size PIL reads', async (name) => {
    const image = await decodeImageInBrowser(await fixture(name), name);
    const { width, height } = pil[name as keyof typeof pil];
    expect([image.width, image.height, image.channels, image.data.length]).toEqual([width, height, 3, width * height * 3]);
  });

  it('refuses a 1.2 MB PNG declaring 20000×20000 as bytes, Blob or File, in well under a second', async () => {
    const bomb = blackPng(20000, 20000, 4);
    const message = 'photo.png: declares 20000×20000 = 400,000,000 pixels, more than the limit 89,478,485 (raise maxPixels to allow it)';
    for (const input of [bomb, new Blob([bomb]), new File([bomb], 'photo.png', { type: 'image/png' })]) {
      const { error, ms } = await refusal(decodeImageInBrowser(input, 'photo.png'));
      expect(error).toBeInstanceOf(ImageTooLargeError);
      expect(error.message).toBe(message);
      expect(ms).toBeLessThan(1000);
    }
  });

  it('maxPixels: at the image size it decodes, one below it refuses', async () => {
    const png = blackPng(5, 4);
    const image = await decodeImageInBrowser(png, 'black.png', { maxPixels: 20 });
    expect([image.width, image.height, image.data.every((v) => v === 0)]).toEqual([5, 4, true]);
    const { error } = await refusal(decodeImageInBrowser(new Blob([png]), 'black.png', { maxPixels: 19 }));
    expect(error.message).toMatch(/^black\.png: declares 5×4 = 20 pixels, more than the limit 19 /);
  });

  it('reads past 64 KiB of APP segments in a Blob to reach a JPEG frame header', async () => {
    const jpeg = new Uint8Array(await (await fixture('app-segments.jpg')).arrayBuffer());
    const app = new Uint8Array(4 + 65533).fill(0x41);
    app.set([0xff, 0xe3, 0xff, 0xff]); // APP3, the largest segment: 65535 bytes with its length field
    const big = new Blob([jpeg.subarray(0, 2), app, app, jpeg.subarray(2)]);
    const image = await decodeImageInBrowser(big, 'big-app.jpg');
    expect([image.width, image.height]).toEqual([33, 17]);
    const { error } = await refusal(decodeImageInBrowser(big, 'big-app.jpg', { maxPixels: 560 }));
    expect(error).toBeInstanceOf(ImageTooLargeError);
  });

  it('refuses a format whose size it cannot read, unless maxPixels is Infinity', async () => {
    const tiff = new TextEncoder().encode('II*\0 not really a TIFF');
    const { error } = await refusal(decodeImageInBrowser(tiff, 'a.tif'));
    expect(error.message).toMatch(/^a\.tif@0: expected a PNG, JPEG, GIF, BMP or WebP signature/);
    const unchecked = await refusal(decodeImageInBrowser(tiff, 'a.tif', { maxPixels: Number.POSITIVE_INFINITY }));
    expect(unchecked.error).toBeInstanceOf(FormatError);
    expect(unchecked.error.message).toMatch(/^a\.tif: the browser cannot decode these 22 bytes/);
  });
});
