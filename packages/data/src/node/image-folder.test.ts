import { fileURLToPath } from 'node:url';
import { FormatError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { readJson } from '@convkit/test-utils/node';
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
