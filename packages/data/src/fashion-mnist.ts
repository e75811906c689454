import { FormatError, OptionError } from '@convkit/core';
import { readIdx } from './idx';

/** Fashion-MNIST's 10 classes, in label order (the same strings as torchvision's `FashionMNIST.classes`). */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

export type Split = 'train' | 'test';

export interface FashionMnistData {
  /** `N·28·28` grey levels 0..255, row-major `[N, 28, 28]`. */
  images: Uint8Array;
  /** `N` labels 0..9, indices into `classNames`. */
  labels: Uint8Array;
  shape: [number, 28, 28];
  classNames: readonly string[];
}

/** The file names of each split, as published (and as Debian installs them, gzipped). */
export const FASHION_MNIST_FILES: Record<Split, { images: string; labels: string }> = {
  train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
};

/** Checks an optional `limit` (at most this many examples, from the start). */
export function checkLimit(where: string, limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new OptionError(where, `limit must be a non-negative integer, got ${limit}`);
  }
}

/**
 * Builds the data set from the bytes of an images and a labels IDX file (gzipped or not) — the
 * browser entry point: fetch the four files yourself and pass their bytes. Shapes are checked
 * against Fashion-MNIST's: images `[N,28,28]` uint8, labels `[N]` uint8 in 0..9.
 */
export function fashionMnistFromIdx(
  files: { images: Uint8Array; labels: Uint8Array },
  { limit, names = { images: 'images', labels: 'labels' } }: { limit?: number; names?: { images: string; labels: string } } = {},
): FashionMnistData {
  checkLimit('fashionMnist', limit);
  const images = readIdx(files.images, names.images);
  const labels = readIdx(files.labels, names.labels);
  if (!(images.data instanceof Uint8Array) || images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new FormatError(
      names.images,
      `expected uint8 images of shape [N,28,28], got ${images.data.constructor.name} [${images.shape.join(',')}]`,
    );
  }
  if (!(labels.data instanceof Uint8Array) || labels.shape.length !== 1) {
    throw new FormatError(
      names.labels,
      `expected uint8 labels of shape [N], got ${labels.data.constructor.name} [${labels.shape.join(',')}]`,
    );
  }
  if (labels.shape[0] !== images.shape[0]) {
    throw new FormatError(names.labels, `expected ${images.shape[0]} labels (one per image in ${names.images}), got ${labels.shape[0]}`);
  }
  const bad = labels.data.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw new FormatError(`${names.labels}@${8 + bad}`, `label ${bad} must be in 0..9, got ${labels.data[bad]}`);
  const n = Math.min(images.shape[0], limit ?? Infinity);
  return {
    images: n === images.shape[0] ? images.data : images.data.slice(0, n * 784),
    labels: n === labels.shape[0] ? labels.data : labels.data.slice(0, n),
    shape: [n, 28, 28],
    classNames: FASHION_MNIST_CLASSES,
  };
}
