import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FormatError, ImageTooLargeError, OptionError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { readJson } from '@convkit/test-utils/node';
import { blackPng } from '../__fixtures__/black-png';
import { batches } from '../batches';
import { centerCrop } from '../transforms/crop';
import { ImageFolderDataset } from './image-folder';

const root = fileURLToPath(new URL('../__fixtures__/image-folder', import.meta.url));
const ref = readJson<{ classes: string[]; samples: [string, number][]; sizes: [number, number][] }>(
  new URL('../__fixtures__/image-folder.json', import.meta.url),
);

describe('ImageFolderDataset vs torchvision.datasets.ImageFolder', () => {
  const ds = new ImageFolderDataset(root);

  it('has the same classes and samples in the same order', () => {
    expect(ds.classes).toEqual(ref.classes);
    expect(ds.classToIdx).toEqual(Object.fromEntries(ref.classes.map((c, i) => [c, i])));
    expect(ds.samples.map(([p, label]) => [p.slice(root.length + 1), label])).toEqual(ref.samples);
    expect(ds.length).toBe(ref.samples.length);
  });

  it("decodes each sample to RGB with PIL's size", () => {
    ref.sizes.forEach(([w, h], i) => {
      const { image, label } = ds.get(i);
      expect([image.width, image.height, image.channels, label]).toEqual([w, h, 3, ref.samples[i][1]]);
    });
    expect(() => ds.get(ref.samples.length)).toThrow(/ImageFolderDataset\.get/);
  });

  it('batches mixed sizes through a per-example transform', () => {
    const [b] = batches(ds, { batchSize: 6, transform: centerCrop(4) });
    expect(b.x.shape).toEqual([6, 4, 4, 3]);
    tf.dispose([b.x, b.y]);
  });

  it('rejects a root without class folders or images', () => {
    expect(() => new ImageFolderDataset(`${root}/nope`)).toThrow(FormatError);
    expect(() => new ImageFolderDataset(`${root}/dog`)).toThrow(/expected one sub-folder per class, found none/);
    expect(() => new ImageFolderDataset(root, { extensions: ['.png'] })).toThrow(/found no \.png file for the classes Zebra/);
  });
});

describe('ImageFolderDataset refuses bad files by path', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'convkit-image-folder-'));
  mkdirSync(join(tmp, 'a'));
  mkdirSync(join(tmp, 'b'));
  writeFileSync(join(tmp, 'a', 'small.png'), blackPng(4, 3));
  writeFileSync(join(tmp, 'b', 'bomb.png'), blackPng(20000, 20000, 4));
  writeFileSync(join(tmp, 'b', 'text.png'), 'not an image');
  afterAll(() => rmSync(tmp, { recursive: true }));
  const ds = new ImageFolderDataset(tmp);
  const index = (name: string) => ds.samples.findIndex(([p]) => p.endsWith(name));
  const refusal = (d: ImageFolderDataset, i: number) => {
    try {
      d.get(i);
    } catch (e) {
      return e as FormatError;
    }
    throw new Error(`get(${i}) did not throw`);
  };

  it('a file declaring more than maxPixels: ImageTooLargeError whose place is its path', () => {
    const bomb = join(tmp, 'b', 'bomb.png');
    const e = refusal(ds, index('bomb.png'));
    expect(e).toBeInstanceOf(ImageTooLargeError);
    expect(e.where).toBe(bomb);
    expect(e.message).toBe(
      `${bomb}: declares 20000×20000 = 400,000,000 pixels, more than the limit 89,478,485 (raise maxPixels to allow it)`,
    );
    expect(refusal(ds, index('text.png')).where).toBe(`${join(tmp, 'b', 'text.png')}@0`);
    expect(ds.get(index('small.png')).image.width).toBe(4);
  });

  it('takes maxPixels and passes it on', () => {
    const strict = new ImageFolderDataset(tmp, { maxPixels: 11 });
    expect(strict.maxPixels).toBe(11);
    expect(refusal(strict, index('small.png')).message).toMatch(/small\.png: declares 4×3 = 12 pixels, more than the limit 11/);
    expect(() => new ImageFolderDataset(tmp, { maxPixels: -1 })).toThrow(OptionError);
  });
});
