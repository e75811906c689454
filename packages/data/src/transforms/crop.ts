import { OptionError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkBatch, toSize } from './check';
import type { Transform } from './transform';

/** Python's `round()` (half to even), which torchvision uses to place a centre crop. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * `torchvision.transforms.functional.crop` in NHWC: the box `[top, left, height, width]` may reach
 * outside the image, and whatever lies outside is zero (torchvision pads the same way).
 */
export function crop(x: tf.Tensor4D, top: number, left: number, height: number, width: number): tf.Tensor4D {
  checkBatch('crop', x);
  if (![top, left].every(Number.isInteger)) throw new OptionError('crop', `top and left must be integers, got ${top}, ${left}`);
  toSize('crop', [height, width]);
  const [, h, w] = x.shape;
  const pad: [number, number][] = [
    [0, 0],
    [Math.max(0, -top), Math.max(0, top + height - h)],
    [Math.max(0, -left), Math.max(0, left + width - w)],
    [0, 0],
  ];
  return tf.tidy(() => {
    const padded = pad[1][0] + pad[1][1] + pad[2][0] + pad[2][1] > 0 ? tf.pad(x, pad) : x;
    return tf.slice(padded, [0, top + pad[1][0], left + pad[2][0], 0], [-1, height, width, -1]);
  });
}

/** Where torchvision's `center_crop` puts a `size` box in an `h × w` image (may be negative: zero padding). */
export function centerCropBox(h: number, w: number, [ch, cw]: [number, number]): { top: number; left: number } {
  // torchvision first pads a too-small side (the extra pixel goes bottom/right), then centres.
  const padTop = ch > h ? Math.floor((ch - h) / 2) : 0;
  const padLeft = cw > w ? Math.floor((cw - w) / 2) : 0;
  const paddedH = ch > h ? ch : h;
  const paddedW = cw > w ? cw : w;
  return { top: roundHalfEven((paddedH - ch) / 2) - padTop, left: roundHalfEven((paddedW - cw) / 2) - padLeft };
}

/** torchvision's `CenterCrop(size)`: the central `size` box (a number means a square), zero-padded if larger. */
export function centerCrop(size: number | readonly [number, number]): Transform {
  const [ch, cw] = toSize('centerCrop.size', size);
  return (x) => {
    checkBatch('centerCrop', x);
    const { top, left } = centerCropBox(x.shape[1], x.shape[2], [ch, cw]);
    return crop(x, top, left, ch, cw);
  };
}
