import { Generator, OptionError, ShapeError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@convkit/test-utils';
import { batches } from './batches';
import { ArrayDataset, type Dataset } from './dataset';
import { randperm } from './shuffle';
import { centerCrop } from './transforms/crop';
import { normalize } from './transforms/normalize';
import { resize } from './transforms/resize';

/** 10 images 2×3×1 whose pixels all equal their index, labelled index % 3. */
function tiny(n = 10) {
  const images = new Uint8Array(n * 6);
  for (let i = 0; i < n; i++) images.fill(i, i * 6, (i + 1) * 6);
  return new ArrayDataset({ images, labels: Array.from({ length: n }, (_, i) => i % 3), imageShape: [2, 3] });
}

describe('randperm', () => {
  it('is a permutation, reproducible by seed, different across seeds', () => {
    const a = randperm(1000, 42);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(randperm(1000, 42)).toEqual(a);
    expect(randperm(1000, 43)).not.toEqual(a);
    const g = new Generator(42);
    expect(randperm(1000, g)).toEqual(a);
    expect(randperm(1000, g)).not.toEqual(a); // the generator's state advanced
  });
});

describe('ArrayDataset', () => {
  it('hands out views with the image shape and label', () => {
    const ds = tiny();
    const s = ds.get(4);
    expect(s.label).toBe(1);
    expect(s.image).toMatchObject({ height: 2, width: 3, channels: 1 });
    expect(Array.from(s.image.data)).toEqual([4, 4, 4, 4, 4, 4]);
    expect(() => ds.get(10)).toThrow(/ArrayDataset\.get: index must be an integer in \[0, 10\), got 10/);
  });

  it('checks the sizes', () => {
    expect(() => new ArrayDataset({ images: new Uint8Array(11), labels: [0, 1], imageShape: [2, 3] })).toThrow(ShapeError);
    expect(() => new ArrayDataset({ images: new Uint8Array(11), labels: [0, 1], imageShape: [2, 3] })).toThrow(
      /expected 2 labels × \[2,3,1\] = 12 values, got 11/,
    );
    expect(() => new ArrayDataset({ images: new Uint8Array(0), labels: [], imageShape: [2, 0] })).toThrow(OptionError);
  });
});

describe('batches', () => {
  it('yields NHWC float32 x in [0,1] and int32 y, in order without shuffle', () => {
    const it = batches(tiny(), { batchSize: 4 });
    expect(it.length).toBe(3);
    const got = [...it];
    expect(got.map((b) => b.x.shape)).toEqual([
      [4, 2, 3, 1],
      [4, 2, 3, 1],
      [2, 2, 3, 1],
    ]);
    expect(got.every((b) => b.x.dtype === 'float32' && b.y.dtype === 'int32' && b.y.rank === 1)).toBe(true);
    expect(Array.from(got[1].y.dataSync())).toEqual([1, 2, 0, 1]);
    expect(got[1].x.dataSync()[0]).toBeCloseTo(4 / 255, 7);
    expect(Array.from(got[2].indices)).toEqual([8, 9]);
    got.forEach((b) => tf.dispose([b.x, b.y]));
  });

  it('shuffles reproducibly by seed, with every index once per epoch and a new order each epoch', () => {
    const ds = tiny(103);
    const epochs = (seed: number) => {
      const loader = batches(ds, { batchSize: 8, shuffle: true, seed });
      return [0, 1].map(() =>
        [...loader].flatMap((b) => {
          tf.dispose([b.x, b.y]);
          return Array.from(b.indices);
        }),
      );
    };
    const [e1, e2] = epochs(5);
    expect([...e1].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect([...e2].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect(e1).not.toEqual(e2);
    expect(epochs(5)).toEqual([e1, e2]);
    expect(epochs(6)[0]).not.toEqual(e1);
  });

  it('the labels and pixels of a shuffled batch belong to its indices', () => {
    const [b] = batches(tiny(), { batchSize: 10, shuffle: true, seed: 1 });
    const idx = Array.from(b.indices);
    expect(Array.from(b.y.dataSync())).toEqual(idx.map((i) => i % 3));
    const firstPixels = tf.tidy(() => Array.from(tf.mul(tf.reshape(tf.slice(b.x, [0, 0, 0, 0], [-1, 1, 1, 1]), [-1]), 255).dataSync()));
    expect(firstPixels.map(Math.round)).toEqual(idx);
    tf.dispose([b.x, b.y]);
  });

  it('dropLast drops the short batch', () => {
    const loader = batches(tiny(), { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    const got = [...loader];
    expect(got.map((b) => b.x.shape[0])).toEqual([4, 4]);
    got.forEach((b) => tf.dispose([b.x, b.y]));
  });

  it('leaves exactly x and y per batch (transforms included) and disposes nothing it was given', () => {
    const before = tf.memory().numTensors;
    const loader = batches(tiny(), { batchSize: 3, transform: resize([4, 6]), batchTransform: normalize([0.5], [0.25]) });
    let n = 0;
    for (const { x, y } of loader) {
      n++;
      expect(x.shape.slice(1)).toEqual([4, 6, 1]);
      expect(tf.memory().numTensors).toBe(before + 2);
      tf.dispose([x, y]);
    }
    expect(n).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('needs a transform when example sizes differ', () => {
    const sizes = [2, 3, 2];
    const ds: Dataset = {
      length: 3,
      get: (i) => ({ image: { data: new Uint8Array(sizes[i] * sizes[i]), height: sizes[i], width: sizes[i], channels: 1 }, label: 0 }),
    };
    expectNoLeaks(() => {
      expect(() => [...batches(ds, { batchSize: 3 })]).toThrow(
        /batches: dataset\[1\]: image is \[3,3,1\] but dataset\[0\] .* is \[2,2,1\]/,
      );
      expect(() => [...batches(ds, { batchSize: 3, transform: (x) => tf.clone(x) })]).toThrow(/transform\(dataset\[1\]\)/);
    });
    const [b] = batches(ds, { batchSize: 3, transform: centerCrop(2) });
    expect(b.x.shape).toEqual([3, 2, 2, 1]);
    tf.dispose([b.x, b.y]);
    expect(() => batches(ds, { batchSize: 0 })).toThrow(/batches\.batchSize: must be a positive integer, got 0/);
  });
});
