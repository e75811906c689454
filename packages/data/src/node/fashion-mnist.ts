import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OptionError } from '@convkit/core';
import { FASHION_MNIST_FILES, type FashionMnistData, type Split, checkLimit, fashionMnistFromIdx } from '../fashion-mnist';
import { packageAssetsDir } from './package-assets';

/** Where Debian's `dataset-fashion-mnist` package installs the full data set. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface FashionMnistOptions {
  /** 'train' (60000 examples; 6000 in the subset) or 'test' (10000; 1000 in the subset). Default 'train'. */
  split?: Split;
  /** A folder holding the four files under their published names (gzipped or not). Default: Debian's. */
  dir?: string;
  /** Explicit paths of the two files of the split. */
  files?: { images: string; labels: string };
  /** Load the stratified subset shipped in this package (600 train / 100 test images per class). */
  subset?: boolean;
  /** At most this many examples, from the start of the split. */
  limit?: number;
}

/**
 * Loads Fashion-MNIST like `torchvision.datasets.FashionMNIST`: images `[N,28,28]` uint8 and labels.
 * Feed the result to `ArrayDataset` with `imageShape: [28, 28, 1]` to batch it.
 */
export function fashionMnist(options: FashionMnistOptions = {}): FashionMnistData {
  const { split = 'train', dir, files, subset = false, limit } = options;
  if (split !== 'train' && split !== 'test') throw new OptionError('fashionMnist.split', `must be 'train' or 'test', got '${split}'`);
  const sources = [dir !== undefined && 'dir', files !== undefined && 'files', subset && 'subset'].filter(Boolean);
  if (sources.length > 1) throw new OptionError('fashionMnist', `pass at most one of dir, files and subset, got ${sources.join(' and ')}`);
  checkLimit('fashionMnist.limit', limit);
  const folder = subset ? join(packageAssetsDir(), 'fashion-mnist-subset') : (dir ?? DEBIAN_FASHION_MNIST_DIR);
  const paths = files ?? {
    images: join(folder, FASHION_MNIST_FILES[split].images),
    labels: join(folder, FASHION_MNIST_FILES[split].labels),
  };
  const option = files ? 'fashionMnist.files' : subset ? 'fashionMnist.subset' : 'fashionMnist.dir';
  return fashionMnistFromIdx({ images: read(option, paths.images), labels: read(option, paths.labels) }, { limit, names: paths });
}

function read(option: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    const hint = path.startsWith(DEBIAN_FASHION_MNIST_DIR)
      ? " (install Debian's dataset-fashion-mnist, pass dir/files, or use subset: true)"
      : '';
    throw new OptionError(option, `cannot read ${path}: ${(cause as Error).message}${hint}`, { cause });
  }
}
