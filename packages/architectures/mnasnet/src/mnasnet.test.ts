import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { Linear } from '@convkit/layers';
import { BatchNorm2d, Dropout } from '@convkit/regularization';
import { describe, expect, it } from 'vitest';
import { describeArchitectures } from '@convkit/test-utils/node';
import {
  BN_MOMENTUM,
  getDepths,
  InvertedResidual,
  MNASNet,
  mnasnet0_5,
  mnasnet0_75,
  mnasnet1_0,
  mnasnet1_3,
  mnasnetNames,
  mnasnetWeights,
  roundToMultipleOf,
} from './index';

describeArchitectures('MNASNet', [
  { name: 'mnasnet0_5', build: () => mnasnet0_5({ seed: 0 }), params: 2_218_512, size: 64, trainSize: 32 },
  { name: 'mnasnet0_75', build: () => mnasnet0_75({ seed: 0 }), params: 3_170_208, size: 64, trainSize: 32 },
  // PyTorch's training step turns dropout off: so does this model.
  { name: 'mnasnet1_0', build: () => mnasnet1_0({ seed: 0, dropout: 0 }), params: 4_383_312, size: 48, trainSize: 32, gradients: true },
  { name: 'mnasnet1_3', build: () => mnasnet1_3({ seed: 0 }), params: 6_282_256, size: 64, trainSize: 32 },
]);

function blocks(model: MNASNet): [string, InvertedResidual][] {
  return model.namedModules().filter((e): e is [string, InvertedResidual] => e[1] instanceof InvertedResidual);
}

describe('MNASNet specifics', () => {
  it('_round_to_multiple_of and _get_depths round like torchvision', () => {
    expect([roundToMultipleOf(83, 8), roundToMultipleOf(84, 8), roundToMultipleOf(3, 8), roundToMultipleOf(12, 8)]).toEqual([
      80, 88, 8, 16,
    ]);
    expect(getDepths(0.5)).toEqual([16, 8, 16, 24, 40, 48, 96, 160]);
    expect(getDepths(0.75)).toEqual([24, 16, 24, 32, 64, 72, 144, 240]);
    expect(getDepths(1.0)).toEqual([32, 16, 24, 40, 80, 96, 192, 320]);
    expect(getDepths(1.3)).toEqual([40, 24, 32, 56, 104, 128, 248, 416]);
    expect(() => roundToMultipleOf(10, 8, 1)).toThrow(OptionError);
  });

  it('layers.N: scaled stem (version 2), six stacks of inverted residuals, 1×1 conv to 1280', () => {
    const model = mnasnet0_75({ seed: 1 });
    expect(model.layers.length).toBe(17);
    const sd = model.stateDict();
    expect(sd['layers.0.weight'].shape).toEqual([3, 3, 3, 24]);
    expect(sd['layers.3.weight'].shape).toEqual([3, 3, 1, 24]);
    expect(sd['layers.6.weight'].shape).toEqual([1, 1, 24, 16]);
    // Stack 0: 16 → 24, expansion 3, 3×3, stride 2; stack 1's depthwise 5×5 at 24·3 = 72 channels.
    expect(sd['layers.8.0.layers.0.weight'].shape).toEqual([1, 1, 16, 48]);
    expect(sd['layers.8.0.layers.3.weight'].shape).toEqual([3, 3, 1, 48]);
    expect(sd['layers.8.0.layers.6.weight'].shape).toEqual([1, 1, 48, 24]);
    expect(sd['layers.9.1.layers.3.weight'].shape).toEqual([5, 5, 1, 96]);
    expect(sd['layers.13.0.layers.7.running_var'].shape).toEqual([240]);
    expect(sd['layers.14.weight'].shape).toEqual([1, 1, 240, 1280]);
    expect(sd['classifier.1.weight'].shape).toEqual([1280, 1000]);
    const stackLengths = [8, 9, 10, 11, 12, 13].map((i) => blocks(model).filter(([k]) => k.startsWith(`layers.${i}.`)).length);
    expect(stackLengths).toEqual([3, 3, 3, 2, 4, 1]);
    // The first block of a stack changes shape (no residual); the repeats keep it.
    for (const [key, block] of blocks(model)) expect(block.applyResidual).toBe(!key.endsWith('.0'));
    expect(Object.keys(sd).length).toBe(314);
    model.dispose();
  });

  it('BatchNorm momentum 1 − 0.9997, eps 1e-5; dropout 0.2 before classifier.1', () => {
    const model = mnasnet0_5({ seed: 2 });
    const norms = model.namedModules().filter(([, m]) => m instanceof BatchNorm2d) as [string, BatchNorm2d][];
    expect(norms).toHaveLength(52);
    expect(norms.every(([, bn]) => bn.momentum === BN_MOMENTUM && bn.eps === 1e-5)).toBe(true);
    expect(BN_MOMENTUM).toBeCloseTo(0.0003, 12);
    expect((model.getModule('classifier.0') as Dropout).p).toBe(0.2);
    model.dispose();
    const other = mnasnet0_5({ seed: 2, dropout: 0.5 });
    expect((other.getModule('classifier.0') as Dropout).p).toBe(0.5);
    other.dispose();
  });

  it('initialises like torchvision: kaiming normal (fan out) convs, kaiming uniform (fan out, sigmoid) Linear, zero biases', () => {
    const model = mnasnet0_5({ seed: 3, numClasses: 100 });
    const sd = model.stateDict();
    const std = (t: tf.Tensor) => tf.tidy(() => Math.sqrt(tf.moments(t).variance.dataSync()[0]));
    // layers.14: 1×1, 160 → 1280: N(0, 2/1280).
    expect(std(sd['layers.14.weight']) / Math.sqrt(2 / 1280)).toBeCloseTo(1, 1);
    // The stem's depthwise 3×3 over 16 channels: fan out = 16 · 9.
    expect(std(sd['layers.3.weight']) / Math.sqrt(2 / 144)).toBeGreaterThan(0.8);
    const w = sd['classifier.1.weight'];
    const bound = Math.sqrt(3 / 100);
    expect(tf.max(tf.abs(w)).dataSync()[0]).toBeLessThanOrEqual(bound);
    expect(tf.max(tf.abs(w)).dataSync()[0]).toBeGreaterThan(0.95 * bound);
    expect(Array.from(sd['classifier.1.bias'].dataSync()).every((v) => v === 0)).toBe(true);
    model.dispose();
  });

  it('forwardFeatures gives layers (7×7×1280 at 224)', () => {
    const model = mnasnet1_0({ seed: 4 }).eval();
    const x = tf.zeros([1, 224, 224, 3]);
    const f = model.forwardFeatures(x);
    expect(f.shape).toEqual([1, 7, 7, 1280]);
    const logits = model.forwardHead(f);
    expect(logits.shape).toEqual([1, 1000]);
    tf.dispose([x, f, logits]);
    model.dispose();
  });

  it('resetClassifier, numClasses, freezeBackbone; predict leaks nothing', () => {
    const model = mnasnet0_5({ numClasses: 10, seed: 5 });
    expect(model.numClasses).toBe(10);
    model.resetClassifier(3);
    expect(model.numClasses).toBe(3);
    expect(model.getModule('classifier.1')).toBeInstanceOf(Linear);
    expect(model.stateDict()['classifier.1.weight'].shape).toEqual([1280, 3]);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[1280, 3], [3]]);
    const x = tf.zeros([1, 32, 32, 3]);
    const before = tf.memory().numTensors;
    const y = model.predict(x);
    expect(y.shape).toEqual([1, 3]);
    y.dispose();
    const again = model.predict(x);
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('bad options throw OptionError naming the builder', () => {
    expect(() => mnasnet1_0({ dropout: 1 })).toThrow(new OptionError('mnasnet1_0', 'dropout must be in [0, 1), got 1'));
    expect(() => mnasnet0_5({ numClasses: 0 })).toThrow(new OptionError('mnasnet0_5', 'numClasses must be a positive integer, got 0'));
    expect(() => new MNASNet(0)).toThrow(new OptionError('MNASNet', 'alpha must be > 0, got 0'));
    expect(() => new InvertedResidual(8, 8, 7, 1, 3)).toThrow(OptionError);
    expect(() => new InvertedResidual(8, 8, 3, 3, 3)).toThrow(OptionError);
  });

  it('ships torchvision weights entries as data', () => {
    expect(Object.keys(mnasnetWeights)).toEqual(mnasnetNames);
    expect(mnasnetNames).toEqual(['mnasnet0_5', 'mnasnet0_75', 'mnasnet1_0', 'mnasnet1_3']);
    expect(mnasnetWeights.mnasnet0_5[0]).toMatchObject({ tag: 'IMAGENET1K_V1', sha256Prefix: '3ffadce67e', numParams: 2_218_512 });
    expect(mnasnetWeights.mnasnet1_0[0]).toMatchObject({ sha256Prefix: 'f206786ef8', numParams: 4_383_312 });
    expect(mnasnetWeights.mnasnet1_3[0].transforms).toMatchObject({ resizeSize: 232, cropSize: 224 });
  });
});
