import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { describeArchitectures } from '@convkit/test-utils/node';
import {
  channelShuffle,
  concatShuffle,
  InvertedResidual,
  ShuffleNetV2,
  shufflenet_v2_x0_5,
  shufflenet_v2_x1_0,
  shufflenet_v2_x1_5,
  shufflenet_v2_x2_0,
  shufflenetNames,
  shufflenetStageChannels,
  shufflenetWeights,
} from './index';

describeArchitectures('ShuffleNetV2', [
  { name: 'shufflenet_v2_x0_5', build: () => shufflenet_v2_x0_5({ seed: 0 }), params: 1_366_792, size: 64 },
  { name: 'shufflenet_v2_x1_0', build: () => shufflenet_v2_x1_0({ seed: 0 }), params: 2_278_604, size: 64, gradients: true },
  { name: 'shufflenet_v2_x1_5', build: () => shufflenet_v2_x1_5({ seed: 0 }), params: 3_503_624, size: 64, trainSize: 32 },
  { name: 'shufflenet_v2_x2_0', build: () => shufflenet_v2_x2_0({ seed: 0 }), params: 7_393_996, size: 64, trainSize: 32 },
]);

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('ShuffleNetV2 specifics', () => {
  it('channel shuffle, worked by hand: groups 2 on 4 channels gives 0, 2, 1, 3', () => {
    const x = tf.tensor4d([0, 1, 2, 3, 10, 11, 12, 13], [1, 1, 2, 4]);
    const y = channelShuffle(x, 2);
    expect(y.shape).toEqual([1, 1, 2, 4]);
    expect(Array.from(y.dataSync())).toEqual([0, 2, 1, 3, 10, 12, 11, 13]);
    const six = channelShuffle(tf.tensor4d([0, 1, 2, 3, 4, 5], [1, 1, 1, 6]), 3);
    expect(Array.from(six.dataSync())).toEqual([0, 2, 4, 1, 3, 5]);
    expect(() => channelShuffle(x, 3)).toThrow(OptionError);
    tf.dispose([x, y, six]);
  });

  it('concatShuffle(a, b) is channel_shuffle(cat((a, b)), 2), in one copy', () => {
    const a = tf.randomNormal([2, 3, 5, 6], 0, 1, 'float32', 1);
    const b = tf.randomNormal([2, 3, 5, 6], 0, 1, 'float32', 2);
    const fused = concatShuffle(a, b);
    const plain = channelShuffle(tf.concat([a, b], 3), 2);
    expect(fused.shape).toEqual([2, 3, 5, 12]);
    expect(maxDiff(fused, plain)).toBe(0);
    tf.dispose([a, b, fused, plain]);
  });

  it('blocks follow torchvision: split → cat(x1, branch2(x2)) → shuffle; stride 2 → cat(branch1, branch2)', () => {
    const x = tf.randomNormal([2, 8, 8, 16], 0, 1, 'float32', 3);
    for (const stride of [1, 2]) {
      const block = new InvertedResidual(16, stride === 1 ? 16 : 32, stride, 4).eval();
      const y = block.forward(x);
      const expected = tf.tidy(() => {
        const [x1, x2] = [tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 8]), tf.slice(x, [0, 0, 0, 8], [-1, -1, -1, 8])];
        const parts = stride === 1 ? [x1, block.branch2.forward(x2)] : [block.branch1.forward(x), block.branch2.forward(x)];
        return channelShuffle(tf.concat(parts, 3), 2);
      });
      expect(y.shape).toEqual(stride === 1 ? [2, 8, 8, 16] : [2, 4, 4, 32]);
      expect(maxDiff(y, expected)).toBeLessThan(1e-5);
      expect(block.branch1.length).toBe(stride === 1 ? 0 : 5);
      tf.dispose([y, expected]);
      block.dispose();
    }
    x.dispose();
  });

  it('stage widths per variant', () => {
    expect(shufflenetNames.map((n) => shufflenetStageChannels(n))).toEqual([
      [24, 48, 96, 192, 1024],
      [24, 116, 232, 464, 1024],
      [24, 176, 352, 704, 1024],
      [24, 244, 488, 976, 2048],
    ]);
    const model = shufflenet_v2_x0_5({ seed: 1 });
    const state = model.stateDict();
    const keys = Object.keys(state);
    expect(keys[0]).toBe('conv1.0.weight');
    expect(keys.at(-1)).toBe('fc.bias');
    expect(keys.filter((k) => /^stage2\.\d+\.branch2\.0\.weight$/.test(k))).toHaveLength(4);
    expect(keys.filter((k) => /^stage3\.\d+\.branch2\.0\.weight$/.test(k))).toHaveLength(8);
    expect(keys.some((k) => k.startsWith('stage2.1.branch1'))).toBe(false);
    expect(state['stage2.0.branch1.0.weight'].shape).toEqual([3, 3, 1, 24]);
    expect(state['stage2.0.branch1.2.weight'].shape).toEqual([1, 1, 24, 24]);
    expect(state['stage2.1.branch2.0.weight'].shape).toEqual([1, 1, 24, 24]);
    expect(state['stage4.0.branch2.0.weight'].shape).toEqual([1, 1, 96, 96]);
    expect(state['conv5.0.weight'].shape).toEqual([1, 1, 192, 1024]);
    expect(state['fc.weight'].shape).toEqual([1024, 1000]);
    model.dispose();
  });

  it('forwardFeatures gives conv5 (7×7×1024 for x1.0 at 224)', () => {
    const model = shufflenet_v2_x1_0({ seed: 2 }).eval();
    const x = tf.zeros([1, 224, 224, 3]);
    const f = model.forwardFeatures(x);
    expect(f.shape).toEqual([1, 7, 7, 1024]);
    const logits = model.forwardHead(f);
    expect(logits.shape).toEqual([1, 1000]);
    tf.dispose([x, f, logits]);
    model.dispose();
  });

  it('initialised like PyTorch: conv and fc weights uniform within ±1/√fan_in, BatchNorm 1 and 0', () => {
    const model = shufflenet_v2_x1_0({ seed: 3 });
    const state = model.stateDict();
    const range = (key: string) => tf.tidy(() => [tf.min(state[key]).dataSync()[0], tf.max(state[key]).dataSync()[0]]);
    const [lo, hi] = range('conv5.0.weight');
    expect(hi).toBeLessThanOrEqual(1 / Math.sqrt(464));
    expect(hi).toBeGreaterThan(0.95 / Math.sqrt(464));
    expect(lo).toBeGreaterThanOrEqual(-1 / Math.sqrt(464));
    expect(range('fc.bias')[1]).toBeLessThanOrEqual(1 / Math.sqrt(1024));
    expect(range('stage2.0.branch1.0.weight')[1]).toBeGreaterThan(0.9 / 3); // depthwise: fan_in 9
    expect(range('stage2.0.branch1.1.weight')).toEqual([1, 1]);
    expect(range('stage2.0.branch1.1.bias')).toEqual([0, 0]);
    // Seeded: the same seed gives the same weights.
    const again = shufflenet_v2_x1_0({ seed: 3 });
    expect(maxDiff(again.stateDict()['stage3.2.branch2.3.weight'], state['stage3.2.branch2.3.weight'])).toBe(0);
    again.dispose();
    model.dispose();
  });

  it('resetClassifier, numClasses and freezeBackbone; no tensor leaks', () => {
    const model = shufflenet_v2_x0_5({ numClasses: 10, seed: 5 });
    expect(model).toBeInstanceOf(ShuffleNetV2);
    expect(model.numClasses).toBe(10);
    model.resetClassifier(3);
    expect(model.numClasses).toBe(3);
    expect(model.stateDict()['fc.weight'].shape).toEqual([1024, 3]);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[1024, 3], [3]]);
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 6);
    const before = tf.memory().numTensors;
    // Training mode: nothing stays behind.
    const trained = model.train().predict(x);
    expect(trained.shape).toEqual([2, 3]);
    trained.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // Evaluation: the first predict caches the folded conv+BatchNorm weights, later ones add nothing.
    model.eval().predict(x).dispose();
    const cached = tf.memory().numTensors;
    const y = model.predict(x);
    y.dispose();
    expect(tf.memory().numTensors).toBe(cached);
    // Training again releases the cache.
    model.train();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('rejects bad options', () => {
    expect(() => shufflenet_v2_x1_0({ numClasses: 0 })).toThrow(
      new OptionError('shufflenet_v2_x1_0', 'numClasses must be a positive integer, got 0'),
    );
    expect(() => shufflenet_v2_x0_5({ numClasses: 2.5 })).toThrow(OptionError);
    expect(() => new ShuffleNetV2([4, 8], [24, 48, 96, 192, 1024])).toThrow(/stagesRepeats must be 3 positive integers/);
    expect(() => new ShuffleNetV2([4, 8, 4], [24, 48, 96, 192])).toThrow(/stagesOutChannels must be 5 positive integers/);
    expect(() => new InvertedResidual(16, 16, 4)).toThrow(new OptionError('InvertedResidual', 'stride must be 1, 2 or 3, got 4'));
    expect(() => new InvertedResidual(16, 24, 1)).toThrow(/inp must be 2·⌊oup\/2⌋ when stride is 1/);
  });

  it('ships torchvision weights entries as data', () => {
    expect(Object.keys(shufflenetWeights)).toEqual(shufflenetNames);
    expect(shufflenetWeights.shufflenet_v2_x1_0[0]).toMatchObject({
      tag: 'IMAGENET1K_V1',
      sha256Prefix: '5666bf0f80',
      numParams: 2_278_604,
    });
    for (const name of shufflenetNames) expect(shufflenetWeights[name][0].transforms.cropSize).toBe(224);
  });
});
