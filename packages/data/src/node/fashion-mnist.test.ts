import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FormatError, OptionError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { ArrayDataset } from '../dataset';
import { FASHION_MNIST_CLASSES } from '../fashion-mnist';
import { DEBIAN_FASHION_MNIST_DIR, fashionMnist } from './fashion-mnist';

const hasDebian = existsSync(`${DEBIAN_FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`);
const counts = (labels: Uint8Array) => Array.from({ length: 10 }, (_, c) => labels.filter((l) => l === c).length);

describe('fashionMnist', () => {
  it("has torchvision's class names", () => {
    expect(FASHION_MNIST_CLASSES).toEqual([
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
  });

  it.skipIf(!hasDebian)('loads the full Debian data set (60000 / 10000, 6000 / 1000 per class)', () => {
    const train = fashionMnist({ split: 'train' });
    expect(train.shape).toEqual([60000, 28, 28]);
    expect(train.images.length).toBe(60000 * 784);
    expect(counts(train.labels)).toEqual(new Array(10).fill(6000));
    const test = fashionMnist({ split: 'test', limit: 100 });
    expect(test.shape).toEqual([100, 28, 28]);
    expect(test.labels.length).toBe(100);
    expect(test.classNames).toBe(FASHION_MNIST_CLASSES);
  });

  it('loads the shipped stratified subset (6000 / 1000, balanced)', () => {
    const train = fashionMnist({ subset: true });
    const test = fashionMnist({ subset: true, split: 'test' });
    expect(train.shape).toEqual([6000, 28, 28]);
    expect(test.shape).toEqual([1000, 28, 28]);
    expect(counts(train.labels)).toEqual(new Array(10).fill(600));
    expect(counts(test.labels)).toEqual(new Array(10).fill(100));
    const ds = new ArrayDataset({ images: train.images, labels: train.labels, imageShape: [28, 28, 1] });
    expect(ds.length).toBe(6000);
  });

  it.skipIf(!hasDebian)('the subset is the first images of each class, in order', () => {
    const full = fashionMnist({ split: 'test' });
    const sub = fashionMnist({ split: 'test', subset: true });
    const seen = new Array(10).fill(0);
    const picked = [...full.labels.keys()].filter((i) => seen[full.labels[i]]++ < 100);
    picked.forEach((src, k) => {
      expect(sub.labels[k]).toBe(full.labels[src]);
      expect(sub.images.subarray(k * 784, (k + 1) * 784)).toEqual(full.images.subarray(src * 784, (src + 1) * 784));
    });
  });

  it('rejects bad options and files with typed errors', () => {
    expect(() => fashionMnist({ split: 'val' as 'train' })).toThrow(/fashionMnist\.split: must be 'train' or 'test', got 'val'/);
    expect(() => fashionMnist({ subset: true, dir: '/tmp' })).toThrow(/at most one of dir, files and subset, got dir and subset/);
    expect(() => fashionMnist({ subset: true, limit: -1 })).toThrow(OptionError);
    expect(() => fashionMnist({ dir: '/nonexistent' })).toThrow(
      /fashionMnist\.dir: cannot read \/nonexistent\/train-images-idx3-ubyte\.gz/,
    );
    const labels = fileURLToPath(new URL('../../assets/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz', import.meta.url));
    // Labels where images should be: the rank check names the file.
    expect(() => fashionMnist({ files: { images: labels, labels } })).toThrow(FormatError);
    expect(() => fashionMnist({ files: { images: labels, labels } })).toThrow(
      /t10k-labels-idx1-ubyte\.gz: expected uint8 images of shape \[N,28,28\], got Uint8Array \[1000\]/,
    );
  });
});

// The built package must find its assets from dist/ in both module formats.
const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
describe.skipIf(!existsSync(`${dist}node.cjs`))('built package', () => {
  it.each([
    [
      'cjs',
      `const d = require(${JSON.stringify(`${dist}node.cjs`)}); console.log(d.fashionMnist({ subset: true, split: 'test' }).shape.join())`,
    ],
    [
      'esm',
      `import(${JSON.stringify(`${dist}node.js`)}).then((d) => console.log(d.fashionMnist({ subset: true, split: 'test' }).shape.join()))`,
    ],
  ])('%s build resolves assets/', (_, code) => {
    expect(execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' }).trim()).toBe('1000,28,28');
  });
});
