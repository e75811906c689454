/**
 * An image as a flat, row-major `[height, width, channels]` array — what decoders produce and
 * datasets hand out. uint8 data means 0..255 grey levels; float data is taken as already scaled.
 */
export interface HWCImage {
  data: Uint8Array | Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** A decoded image file: always 8-bit RGB (alpha dropped, grey expanded, like PIL's `convert('RGB')`). */
export interface DecodedImage extends HWCImage {
  data: Uint8Array;
  channels: 3;
}

/** Drops the alpha channel of 8-bit RGBA pixels (not composited, like PIL's `convert('RGB')`). */
export function rgbFromRgba(rgba: ArrayLike<number>, width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    data[i] = rgba[j];
    data[i + 1] = rgba[j + 1];
    data[i + 2] = rgba[j + 2];
  }
  return { data, width, height, channels: 3 };
}
