import { OptionError, ShapeError } from '@convkit/core';
import type { HWCImage } from './image';

/** One example: an image and its integer class label. */
export interface Sample {
  image: HWCImage;
  label: number;
}

/** A map-style data set, like `torch.utils.data.Dataset`: a length and random access. */
export interface Dataset {
  readonly length: number;
  get(index: number): Sample;
}

export interface ArrayDatasetOptions {
  /** All images back to back, row-major `[N, H, W, C]` (or `[N, H, W]` with `imageShape` `[H, W]`). */
  images: Uint8Array | Float32Array;
  /** One integer label per image; N is taken from here. */
  labels: ArrayLike<number>;
  /** `[H, W]` (one channel) or `[H, W, C]`. */
  imageShape: readonly [number, number] | readonly [number, number, number];
}

/** Throws unless `index` is an integer in `[0, length)`. */
export function checkIndex(where: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new OptionError(where, `index must be an integer in [0, ${length}), got ${index}`);
  }
}

/** A data set over arrays already in memory (e.g. `fashionMnist()`'s); `get` returns views, not copies. */
export class ArrayDataset implements Dataset {
  readonly length: number;
  private readonly images: Uint8Array | Float32Array;
  private readonly labels: ArrayLike<number>;
  private readonly height: number;
  private readonly width: number;
  private readonly channels: number;

  constructor({ images, labels, imageShape }: ArrayDatasetOptions) {
    const [height, width, channels = 1] = imageShape;
    if (![height, width, channels].every((d) => Number.isInteger(d) && d > 0) || imageShape.length < 2 || imageShape.length > 3) {
      throw new OptionError('ArrayDataset.imageShape', `must be [H,W] or [H,W,C] of positive integers, got [${imageShape.join(',')}]`);
    }
    const size = height * width * channels;
    if (images.length !== labels.length * size) {
      throw new ShapeError(
        'ArrayDataset.images',
        `expected ${labels.length} labels × [${height},${width},${channels}] = ${labels.length * size} values, got ${images.length}`,
      );
    }
    this.length = labels.length;
    this.images = images;
    this.labels = labels;
    this.height = height;
    this.width = width;
    this.channels = channels;
  }

  get(index: number): Sample {
    checkIndex('ArrayDataset.get', index, this.length);
    const size = this.height * this.width * this.channels;
    return {
      image: {
        data: this.images.subarray(index * size, (index + 1) * size),
        height: this.height,
        width: this.width,
        channels: this.channels,
      },
      label: this.labels[index],
    };
  }
}
