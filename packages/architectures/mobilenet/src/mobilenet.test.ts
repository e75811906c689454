import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { Conv2d, Hardsigmoid, Hardswish, ReLU, ReLU6, SqueezeExcitation } from '@convkit/layers';
import { BatchNorm2d } from '@convkit/regularization';
import { describe, expect, it } from 'vitest';
import { describeArchitectures } from '@convkit/test-utils/node';
import {
  InvertedResidual,
  makeDivisible,
  mobilenet_v2,
  mobilenet_v3_large,
  mobilenet_v3_small,
  mobilenetNames,
  mobilenetV3Config,
  mobilenetWeights,
} from './index';

describeArchitectures('MobileNet', [
  { name: 'mobilenet_v2', build: () => mobilenet_v2({ seed: 0 }), params: 3_504_872, size: 64 },
  { name: 'mobilenet_v3_small', build: () => mobilenet_v3_small({ seed: 0 }), params: 2_542_856, size: 64 },
  // PyTorch's training step runs without dropout.
  { name: 'mobilenet_v3_large', build: () => mobilenet_v3_large({ seed: 0, dropout: 0 }), params: 5_483_032, size: 64, gradients: true },
]);

type Model = ReturnType<typeof mobilenet_v3_large> | ReturnType<typeof mobilenet_v2>;

function blocks(model: Model): [string, InvertedResidual][] {
  return model.namedModules().filter((e): e is [string, InvertedResidual] => e[1] instanceof InvertedResidual);
}

/** The activation module types in the order the model holds them, per block. */
function activationsOf(block: InvertedResidual): string[] {
  return block
    .namedModules()
    .filter(([, m]) => m instanceof ReLU || m instanceof ReLU6 || m instanceof Hardswish || m instanceof Hardsigmoid)
    .map(([path, m]) => `${path}:${m.typeName}`);
}

describe('MobileNet specifics', () => {
  it('_make_divisible rounds like torchvision', () => {
    expect([32 * 0.35, 1280 * 1.4, 72 / 4, 16 / 4, 88 * 0.75, 960 * 0.5, 3, 20, 91].map((v) => makeDivisible(v))).toEqual([
      16, 1792, 24, 8, 64, 480, 8, 24, 88,
    ]);
    // Never more than 10 % below v; a custom divisor and minimum.
    expect(makeDivisible(11, 8)).toBe(16);
    expect(makeDivisible(37, 4, 16)).toBe(36);
    expect(makeDivisible(5, 4, 16)).toBe(16);
  });

  it('squeeze widths are _make_divisible(expanded // 4, 8); the gate is Hardsigmoid, the inner activation ReLU', () => {
    const model = mobilenet_v3_large({ seed: 1 });
    const se = model.namedModules().filter((e): e is [string, SqueezeExcitation] => e[1] instanceof SqueezeExcitation);
    expect(se.map(([path, m]) => [path, m.fc1.outChannels])).toEqual([
      ['features.4.block.2', 24],
      ['features.5.block.2', 32],
      ['features.6.block.2', 32],
      ['features.11.block.2', 120],
      ['features.12.block.2', 168],
      ['features.13.block.2', 168],
      ['features.14.block.2', 240],
      ['features.15.block.2', 240],
    ]);
    expect(se.every(([, m]) => m.scaleActivation instanceof Hardsigmoid && m.activation instanceof ReLU)).toBe(true);
    model.dispose();
    const small = mobilenet_v3_small({ seed: 1 });
    expect(small.stateDict()['features.1.block.1.fc1.weight'].shape).toEqual([1, 1, 16, 8]);
    expect(small.stateDict()['features.9.block.2.fc1.weight'].shape).toEqual([1, 1, 288, 72]);
    small.dispose();
  });

  it('ReLU6 throughout V2; V3 has ReLU early, Hardswish late and in stem, last conv and classifier', () => {
    const v2 = mobilenet_v2({ seed: 2 });
    const v2Blocks = blocks(v2);
    expect(v2Blocks).toHaveLength(17);
    expect(activationsOf(v2Blocks[0][1])).toEqual(['conv.0.2:ReLU6']);
    expect(activationsOf(v2Blocks[1][1])).toEqual(['conv.0.2:ReLU6', 'conv.1.2:ReLU6']);
    // The projection is a bare conv and norm: no activation after it.
    expect(v2.getModule('features.1.conv.1')).toBeInstanceOf(Conv2d);
    expect(v2.getModule('features.1.conv.2')).toBeInstanceOf(BatchNorm2d);
    expect(v2.getModule('features.0.2')).toBeInstanceOf(ReLU6);
    expect(v2.getModule('features.18.2')).toBeInstanceOf(ReLU6);
    v2.dispose();
    const v3 = mobilenet_v3_large({ seed: 2 });
    // The blocks' own activations (the squeeze-excitation's ReLU and Hardsigmoid are checked above).
    const own = (b: InvertedResidual) => activationsOf(b).filter((a) => !a.includes('activation'));
    const kinds = blocks(v3).map(([, b]) => [...new Set(own(b).map((a) => a.split(':')[1]))]);
    expect(kinds).toEqual([...new Array(6).fill(['ReLU']), ...new Array(9).fill(['Hardswish'])]);
    expect(v3.getModule('features.0.2')).toBeInstanceOf(Hardswish);
    expect(v3.getModule('features.16.2')).toBeInstanceOf(Hardswish);
    expect(v3.classifier.children().map((m) => m.typeName)).toEqual(['Linear', 'Hardswish', 'Dropout', 'Linear']);
    v3.dispose();
    const v2Again = mobilenet_v2({ seed: 2 });
    expect(v2Again.classifier.children().map((m) => m.typeName)).toEqual(['Dropout', 'Linear']);
    v2Again.dispose();
  });

  it('BatchNorm: eps 1e-3 / momentum 0.01 for V3, PyTorch defaults for V2', () => {
    for (const [build, eps, momentum] of [
      [mobilenet_v2, 1e-5, 0.1],
      [mobilenet_v3_small, 1e-3, 0.01],
      [mobilenet_v3_large, 1e-3, 0.01],
    ] as const) {
      const model = build({ seed: 3 });
      const norms = model.namedModules().filter(([, m]) => m instanceof BatchNorm2d) as [string, BatchNorm2d][];
      expect(norms.length).toBeGreaterThan(0);
      expect(norms.every(([, bn]) => bn.eps === eps && bn.momentum === momentum)).toBe(true);
      model.dispose();
    }
  });

  it('dilated: the last stage dilates (2) instead of striding, so features are 14×14 at 224; reducedTail halves it', () => {
    const { setting } = mobilenetV3Config('mobilenet_v3_large', { dilated: true });
    expect(setting.map((c) => c.dilation)).toEqual([...new Array(12).fill(1), 2, 2, 2]);
    const model = mobilenet_v3_large({ seed: 4, dilated: true }).eval();
    // torchvision: features.13.block.1.0 = Conv2d(672, 672, 5, stride 1, padding 4, dilation 2, groups 672).
    const dw = model.getModule('features.13.block.1.0') as Conv2d;
    expect(dw.options).toMatchObject({ stride: 1, padding: 4, dilation: 2, groups: 672 });
    expect(model.numParameters()).toBe(5_483_032);
    const x = tf.zeros([1, 224, 224, 3]);
    const f = model.forwardFeatures(x);
    expect(f.shape).toEqual([1, 14, 14, 960]);
    tf.dispose([x, f]);
    model.dispose();
    // torchvision's mobilenet_v3_large(reduced_tail=True, dilated=True): the DeepLabV3 backbone.
    const tail = mobilenet_v3_large({ seed: 4, reducedTail: true, dilated: true });
    expect(tail.numParameters()).toBe(2_569_352);
    expect(tail.stateDict()['features.13.block.3.0.weight'].shape).toEqual([1, 1, 672, 80]);
    expect(tail.stateDict()['features.14.block.0.0.weight'].shape).toEqual([1, 1, 80, 480]);
    expect(tail.stateDict()['classifier.0.weight'].shape).toEqual([480, 640]);
    tail.dispose();
  });

  it('widthMult scales channels like torchvision (counts from torchvision 0.14)', () => {
    for (const [build, options, params] of [
      [mobilenet_v2, { widthMult: 1.4 }, 6_108_776],
      [mobilenet_v2, { widthMult: 0.35 }, 1_677_128],
      [mobilenet_v3_small, { widthMult: 0.75, reducedTail: true }, 752_848],
    ] as const) {
      const model = build({ seed: 5, ...options });
      expect(model.numParameters()).toBe(params);
      model.dispose();
    }
  });

  it('forwardFeatures: [1,7,7,960] for V3 large, [1,7,7,576] small, [1,7,7,1280] V2 at 224', () => {
    for (const [build, channels] of [
      [mobilenet_v3_large, 960],
      [mobilenet_v3_small, 576],
      [mobilenet_v2, 1280],
    ] as const) {
      const model = build({ seed: 6 }).eval();
      const x = tf.zeros([1, 224, 224, 3]);
      const f = model.forwardFeatures(x);
      expect(f.shape).toEqual([1, 7, 7, channels]);
      tf.dispose([x, f]);
      model.dispose();
    }
  });

  it('residual connections exactly where stride is 1 and channels are kept', () => {
    const model = mobilenet_v3_large({ seed: 7 });
    expect(blocks(model).map(([, b]) => b.useResConnect)).toEqual([
      true,
      false,
      true,
      false,
      true,
      true,
      false,
      true,
      true,
      true,
      false,
      true,
      false,
      true,
      true,
    ]);
    model.dispose();
  });

  it('initialisation: BN ones/zeros, Linear N(0, 0.01) with zero bias, kaiming fan-out convs', () => {
    const model = mobilenet_v3_large({ seed: 8 });
    const sd = model.stateDict();
    const stats = (t: tf.Tensor) => tf.tidy(() => tf.mean(t).dataSync()[0]);
    const std = (t: tf.Tensor) => Math.sqrt(tf.tidy(() => tf.moments(t).variance.dataSync()[0]));
    expect(std(sd['classifier.0.weight'])).toBeCloseTo(0.01, 3);
    expect(stats(sd['classifier.3.bias'])).toBe(0);
    expect(stats(sd['features.1.block.0.1.weight'])).toBe(1);
    // features.16.0: a 1×1 conv to 960 channels: std √(2 / 960).
    expect(std(sd['features.16.0.weight'])).toBeCloseTo(Math.sqrt(2 / 960), 3);
    expect(stats(sd['features.4.block.2.fc1.bias'])).toBe(0);
    model.dispose();
  });

  it('resetClassifier, numClasses and freezeBackbone; predict leaks nothing', () => {
    const model = mobilenet_v3_large({ numClasses: 10, seed: 9 });
    expect(model.numClasses).toBe(10);
    model.resetClassifier(3);
    expect(model.numClasses).toBe(3);
    expect(model.stateDict()['classifier.3.weight'].shape).toEqual([1280, 3]);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[960, 1280], [1280], [1280, 3], [3]]);
    const x = tf.zeros([1, 32, 32, 3]);
    const before = tf.memory().numTensors;
    const y = model.predict(x);
    expect(y.shape).toEqual([1, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    const v2 = mobilenet_v2({ seed: 9 });
    v2.resetClassifier(4);
    v2.freezeBackbone();
    expect(v2.trainableParameters().map((v) => v.shape)).toEqual([[1280, 4], [4]]);
    const before2 = tf.memory().numTensors;
    const y2 = v2.predict(x);
    expect(y2.shape).toEqual([1, 4]);
    y2.dispose();
    expect(tf.memory().numTensors).toBe(before2);
    x.dispose();
    v2.dispose();
  });

  it('bad options are OptionErrors naming the builder', () => {
    expect(() => mobilenet_v3_large({ widthMult: 0 })).toThrow(OptionError);
    expect(() => mobilenet_v3_large({ widthMult: -1 })).toThrow(/mobilenet_v3_large: widthMult must be > 0, got -1/);
    expect(() => mobilenet_v3_small({ widthMult: Number.NaN })).toThrow(/mobilenet_v3_small: widthMult must be > 0/);
    expect(() => mobilenet_v2({ widthMult: 0 })).toThrow(/mobilenet_v2: widthMult must be > 0, got 0/);
    expect(() => mobilenet_v2({ dropout: 1.5 })).toThrow(/mobilenet_v2: dropout must be in \[0, 1\], got 1.5/);
    expect(() => mobilenet_v3_large({ dropout: -0.1 })).toThrow(OptionError);
    expect(() => mobilenet_v2({ roundNearest: 0 })).toThrow(/roundNearest must be a positive integer/);
  });

  it('ships torchvision weights entries as data (V2 weights: resize 232)', () => {
    expect(Object.keys(mobilenetWeights)).toEqual([...mobilenetNames]);
    expect(mobilenetWeights.mobilenet_v3_large.map((w) => [w.tag, w.transforms.resizeSize, w.transforms.cropSize])).toEqual([
      ['IMAGENET1K_V1', 256, 224],
      ['IMAGENET1K_V2', 232, 224],
    ]);
    expect(mobilenetWeights.mobilenet_v3_large[1]).toMatchObject({ sha256Prefix: '5c1a4163', numParams: 5_483_032 });
    expect(mobilenetWeights.mobilenet_v3_small[0]).toMatchObject({ tag: 'IMAGENET1K_V1', numParams: 2_542_856 });
    expect(mobilenetWeights.mobilenet_v2[1]).toMatchObject({ tag: 'IMAGENET1K_V2', numParams: 3_504_872 });
    expect(mobilenetWeights.mobilenet_v2[1].transforms.resizeSize).toBe(232);
  });
});
