import { ConvkitError, OptionError } from '@convkit/core';
import { expect, it } from 'vitest';
import { canDecodeInBrowser, decodeImageInBrowser } from './decode-image-browser';

// The browser decoder itself needs a real browser; in Node only its feature detection is checked.
it('reports that Node cannot decode with the browser path, and says what to use instead', async () => {
  expect(canDecodeInBrowser()).toBe(false);
  await expect(decodeImageInBrowser(new Uint8Array(4))).rejects.toThrow(ConvkitError);
  await expect(decodeImageInBrowser(new Uint8Array(4))).rejects.toThrow(/use decodeImage from @convkit\/data\/node/);
});

// Decoding and the pixel limit in a real browser: test/browser/decode-image.browser.test.ts.
it('checks maxPixels before anything else', async () => {
  await expect(decodeImageInBrowser(new Uint8Array(4), 'a.png', { maxPixels: -1 })).rejects.toThrow(OptionError);
});
