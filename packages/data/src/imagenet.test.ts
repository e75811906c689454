import { createHash } from 'node:crypto';
import { ConvkitError, OptionError, ShapeError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import { decodePredictions, decodePredictionsAsync } from './decode-predictions';
import { IMAGENET_CLASSES } from './imagenet-classes';

const ref = readJson<{ count: number; sha256: string; spot: Record<string, string> }>(
  new URL('./__fixtures__/imagenet-classes.json', import.meta.url),
);

describe('IMAGENET_CLASSES', () => {
  it('has 1000 unique names', () => {
    expect(IMAGENET_CLASSES.length).toBe(1000);
    expect(new Set(IMAGENET_CLASSES).size).toBe(1000);
  });

  it('spot-checks well-known indices', () => {
    const at = (i: number) => IMAGENET_CLASSES[i];
    expect([at(0), at(1), at(207), at(281), at(409), at(954), at(999)]).toEqual([
      'tench',
      'goldfish',
      'golden retriever',
      'tabby',
      'analog clock',
      'banana',
      'toilet tissue',
    ]);
    for (const [i, name] of Object.entries(ref.spot)) expect(at(Number(i))).toBe(name);
  });

  it("is exactly torchvision 0.14's list (sha256 of the names joined by newlines)", () => {
    expect(IMAGENET_CLASSES.length).toBe(ref.count);
    expect(createHash('sha256').update(IMAGENET_CLASSES.join('\n'), 'utf8').digest('hex')).toBe(ref.sha256);
  });
});

describe('decodePredictions', () => {
  it('returns the top-k classes with softmax probabilities', () => {
    const logits = tf.tensor2d([
      [1, 3, 2, 0],
      [0, 0, 0, 5],
    ]);
    const names = ['a', 'b', 'c', 'd'];
    const preds = expectNoLeaks(() => decodePredictions(logits, { topK: 2, classNames: names }));
    const z = Math.exp(1) + Math.exp(3) + Math.exp(2) + 1;
    expect(preds[0].map((p) => [p.index, p.className])).toEqual([
      [1, 'b'],
      [2, 'c'],
    ]);
    expect(preds[0][0].probability).toBeCloseTo(Math.exp(3) / z, 7);
    expect(preds[1][0]).toMatchObject({ index: 3, className: 'd' });
    expect(logits.isDisposed).toBe(false);
    logits.dispose();
  });

  it('defaults to ImageNet names and top 5; a 1-D tensor is one example', async () => {
    const logits = tf.tidy(() => tf.cast(tf.mul(tf.reshape(tf.oneHot(tf.tensor1d([207], 'int32'), 1000), [1000]), 10), 'float32'));
    const [top] = decodePredictions(logits);
    expect(top).toHaveLength(5);
    expect(top[0].className).toBe('golden retriever');
    expect(top.reduce((s, p) => s + p.probability, 0)).toBeLessThan(1);
    expect(await decodePredictionsAsync(logits)).toEqual([top]);
    logits.dispose();
  });

  it('keeps large logits finite and rejects bad shapes and options', () => {
    const big = tf.tensor1d([1000, 999]);
    expect(decodePredictions(big, { topK: 1, classNames: ['x', 'y'] })[0][0].probability).toBeCloseTo(1 / (1 + Math.exp(-1)), 7);
    expect(() => decodePredictions(big)).toThrow(ShapeError);
    expect(() => decodePredictions(big)).toThrow(/logits have 2 classes but classNames has 1000 names/);
    expect(() => decodePredictions(big, { topK: 3, classNames: ['x', 'y'] })).toThrow(OptionError);
    const rank3 = tf.zeros([1, 1, 2]);
    expect(() => decodePredictions(rank3, { classNames: ['x', 'y'] })).toThrow(/\[N, classes\] or \[classes\], got shape \[1,1,2\]/);
    const nan = tf.tensor1d([1, NaN]);
    expect(() => decodePredictions(nan, { topK: 1, classNames: ['x', 'y'] })).toThrow(ConvkitError);
    expect(() => decodePredictions(nan, { topK: 1, classNames: ['x', 'y'] })).toThrow(/logits\[0\]\[1\]: logits must be finite, got NaN/);
    tf.dispose([big, rank3, nan]);
  });
});
