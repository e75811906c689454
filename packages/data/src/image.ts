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
