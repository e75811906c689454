import { OptionError, ShapeError } from '@convkit/core';

/** Pixels in rows, `channels` values per pixel (grey, RGB or RGBA), 0–255. */
export interface PixelImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** RGBA pixels, ready for `ImageData` or a PNG encoder. */
export interface RgbaImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * OpenCV's COLORMAP_JET at level `i` of 256, as [r, g, b]: its table is Octave's jet sampled at
 * x = i/255 (each channel a clamped ramp, 4x − 1.5 and 4.5 − 4x for red, shifted by 1/4 for
 * green and 1/2 for blue). In units of 1/255 the ramps land on halves; they are rounded half up,
 * where OpenCV's float table may round a green ramp value one lower.
 */
export function jet(i: number): [number, number, number] {
  const ramp = (shift: number) => {
    // 255 · clamp(min(4x − 1.5 + shift, 4.5 − shift − 4x)) with x = i/255, in exact halves.
    const v = Math.min(4 * i - 382.5 + 255 * shift, 1147.5 - 255 * shift - 4 * i);
    return Math.round(Math.min(255, Math.max(0, v)));
  };
  return [ramp(0), ramp(1), ramp(2)];
}

const JET = Array.from({ length: 256 }, (_, i) => jet(i));

/**
 * The image with a jet-coloured heatmap blended over it, RGBA for a canvas or a PNG encoder:
 * each heatmap value h (clamped to [0,1]) picks jet level round(255·h), and every pixel becomes
 * round((1 − alpha)·image + alpha·jet), alpha 0.5 by default (pytorch-grad-cam's
 * `show_cam_on_image` weighting), opaque. A grey image counts as RGB with equal channels; an
 * RGBA image's own alpha is ignored.
 */
export function overlayHeatmap(image: PixelImage, heatmap: Float32Array, { alpha = 0.5 }: { alpha?: number } = {}): RgbaImage {
  const { data, width, height, channels } = image;
  if (![1, 3, 4].includes(channels)) throw new OptionError('overlayHeatmap: image.channels', `expected 1, 3 or 4, got ${channels}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new OptionError('overlayHeatmap: image', `width and height must be positive integers, got ${width}×${height}`);
  if (data.length !== width * height * channels)
    throw new ShapeError(
      'overlayHeatmap: image.data',
      `expected ${width}·${height}·${channels} = ${width * height * channels} values, got ${data.length}`,
    );
  if (heatmap.length !== width * height)
    throw new ShapeError(
      'overlayHeatmap: heatmap',
      `expected ${width}·${height} = ${width * height} values (one per pixel), got ${heatmap.length}`,
    );
  if (!(alpha >= 0 && alpha <= 1)) throw new OptionError('overlayHeatmap: alpha', `expected a number in [0, 1], got ${alpha}`);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const h = heatmap[p];
    const colour = JET[Math.round(255 * (h > 0 ? (h < 1 ? h : 1) : 0))];
    for (let c = 0; c < 3; c++) {
      const v = data[p * channels + (channels === 1 ? 0 : c)];
      out[p * 4 + c] = Math.round((1 - alpha) * v + alpha * colour[c]);
    }
    out[p * 4 + 3] = 255;
  }
  return { data: out, width, height };
}
