import * as tf from '@tensorflow/tfjs-core';
import { OptionError, skipInit, toGenerator } from '@convkit/core';
import { BatchNorm2d } from '@convkit/regularization';
import { describe, expect, it } from 'vitest';
import { describeArchitectures } from '@convkit/test-utils/node';
import {
  efficientnet_b0,
  efficientnet_b1,
  efficientnet_b2,
  efficientnet_b3,
  efficientnet_b4,
  efficientnet_b5,
  efficientnet_b6,
  efficientnet_b7,
  efficientnet_v2_l,
  efficientnet_v2_m,
  efficientnet_v2_s,
  efficientnetNames,
  efficientnetV2Stages,
  efficientnetWeights,
  FusedMBConv,
  makeDivisible,
  MBConv,
} from './index';

// A dropped residual branch gets no gradient, so the suite's train-mode check runs without stochastic
// depth; its training step compares with PyTorch's, which runs without dropout too.
const noDrop = { seed: 0, stochasticDepthProb: 0, dropout: 0 };

// Sizes where the calibrated reference is well conditioned (the suite requires PyTorch's float32
// logits within 1e-3 of its float64 ones): at 32 px the last stages see 1×1 maps, a few BatchNorm
// channels calibrate to a near-zero variance and float32 is off by up to 0.9 (B6, B7, V2-M, V2-L);
// B4 is off by 1e-3–8e-3 at 40–64 px, B7 at 48, V2-M at 48. Each size below keeps that gap under 3e-5.
describeArchitectures('EfficientNet', [
  { name: 'efficientnet_b0', build: () => efficientnet_b0(noDrop), params: 5_288_548, size: 64, gradients: true },
  { name: 'efficientnet_b1', build: () => efficientnet_b1(noDrop), params: 7_794_184, size: 64 },
  { name: 'efficientnet_b2', build: () => efficientnet_b2(noDrop), params: 9_109_994, size: 64, trainSize: 32 },
  { name: 'efficientnet_b3', build: () => efficientnet_b3(noDrop), params: 12_233_232, size: 64, trainSize: 32 },
  { name: 'efficientnet_b4', build: () => efficientnet_b4(noDrop), params: 19_341_616, size: 72, trainSize: 32 },
  { name: 'efficientnet_b5', build: () => efficientnet_b5(noDrop), params: 30_389_784, size: 48, trainSize: 32 },
  { name: 'efficientnet_b6', build: () => efficientnet_b6(noDrop), params: 43_040_704, size: 48, trainSize: 32 },
  { name: 'efficientnet_b7', build: () => efficientnet_b7(noDrop), params: 66_347_960, size: 56, trainSize: 32 },
  {
    name: 'efficientnet_v2_s',
    build: () => efficientnet_v2_s(noDrop),
    params: 21_458_488,
    size: 64,
    trainSize: 32,
    gradients: true,
  },
  { name: 'efficientnet_v2_m', build: () => efficientnet_v2_m(noDrop), params: 54_139_356, size: 96, trainSize: 32 },
  { name: 'efficientnet_v2_l', build: () => efficientnet_v2_l(noDrop), params: 118_515_272, size: 96, trainSize: 32 },
]);

function mbconvs(model: ReturnType<typeof efficientnet_b0>): [string, MBConv][] {
  return model.namedModules().filter((e): e is [string, MBConv] => e[1] instanceof MBConv);
}

describe('EfficientNet specifics', () => {
  it('_make_divisible rounds like torchvision', () => {
    expect([32 * 1.1, 40 * 1.1, 16 * 1.4, 24 * 1.8, 320 * 1.8, 16 * 0.5].map((v) => makeDivisible(v))).toEqual([32, 48, 24, 40, 576, 8]);
  });

  it('stochastic depth grows linearly: 0.2 · blockIndex / totalBlocks', () => {
    const model = efficientnet_b0({ seed: 1 });
    const blocks = mbconvs(model);
    expect(blocks).toHaveLength(16);
    blocks.forEach(([, block], i) => expect(block.stochasticDepth.p).toBeCloseTo((0.2 * i) / 16, 12));
    expect(blocks[0][0]).toBe('features.1.0');
    expect(blocks.at(-1)?.[0]).toBe('features.7.0');
    expect(blocks.map(([, b]) => b.stochasticDepth.mode).every((m) => m === 'row')).toBe(true);
    model.dispose();
    const b1 = efficientnet_b1({ seed: 1, stochasticDepthProb: 0.5 });
    const deeper = mbconvs(b1);
    expect(deeper).toHaveLength(23);
    expect(deeper[22][1].stochasticDepth.p).toBeCloseTo((0.5 * 22) / 23, 12);
    b1.dispose();
  });

  it('stochastic depth drops whole residual branches per example in training, never in evaluation', () => {
    const p = 0.5;
    const block = new MBConv(
      { expandRatio: 6, kernel: 3, stride: 1, inputChannels: 16, outChannels: 16 },
      p,
      (c) => new BatchNorm2d(c),
      toGenerator(2),
    );
    expect(block.useResConnect).toBe(true);
    const x = tf.randomNormal([64, 8, 8, 16], 0, 1, 'float32', 5);
    const residualOf = (y: tf.Tensor) => tf.sub(y, x);
    block.eval();
    const [evalY, evalBranch] = [block.forward(x), block.getModule('block').forward(x)];
    expect(tf.max(tf.abs(tf.sub(residualOf(evalY), evalBranch))).dataSync()[0]).toBeLessThan(1e-5);
    // Training: each example's residual is either 0 (dropped) or branch / (1 - p) (kept).
    block.train();
    const [y, branch] = [block.forward(x), block.getModule('block').forward(x)];
    const residual = residualOf(y);
    const scaled = tf.div(branch, 1 - p);
    const kinds = Array.from({ length: 64 }, (_, n) =>
      tf.tidy(() => {
        const r = tf.slice(residual, [n, 0, 0, 0], [1, -1, -1, -1]);
        if (tf.max(tf.abs(r)).dataSync()[0] === 0) return 'dropped';
        return tf.max(tf.abs(tf.sub(r, tf.slice(scaled, [n, 0, 0, 0], [1, -1, -1, -1])))).dataSync()[0] < 1e-4 ? 'kept' : 'other';
      }),
    );
    expect(kinds).not.toContain('other');
    expect(kinds.filter((k) => k === 'dropped').length).toBeGreaterThan(16);
    expect(kinds.filter((k) => k === 'kept').length).toBeGreaterThan(16);
    tf.dispose([x, evalY, evalBranch, y, branch, residual, scaled]);
    block.dispose();
  });

  it('BatchNorm eps and momentum per variant (TF settings for B5–B7)', () => {
    for (const [build, eps, momentum] of [
      [efficientnet_b0, 1e-5, 0.1],
      [efficientnet_b4, 1e-5, 0.1],
      [efficientnet_b5, 1e-3, 0.01],
    ] as const) {
      const model = build({ seed: 3 });
      const norms = model.namedModules().filter(([, m]) => m instanceof BatchNorm2d) as [string, BatchNorm2d][];
      expect(norms.length).toBeGreaterThan(0);
      expect(norms.every(([, bn]) => bn.eps === eps && bn.momentum === momentum)).toBe(true);
      model.dispose();
    }
  });

  it('forwardFeatures gives features.8 (7×7×1280 for B0 at 224); dropout per variant', () => {
    const model = efficientnet_b0({ seed: 4 }).eval();
    const x = tf.zeros([1, 224, 224, 3]);
    const f = model.forwardFeatures(x);
    expect(f.shape).toEqual([1, 7, 7, 1280]);
    tf.dispose([x, f]);
    expect((model.getModule('classifier.0') as unknown as { p: number }).p).toBe(0.2);
    model.dispose();
    const b2 = efficientnet_b2({ seed: 4, dropout: 0.1 });
    expect((b2.getModule('classifier.0') as unknown as { p: number }).p).toBe(0.1);
    expect(b2.stateDict()['features.8.0.weight'].shape).toEqual([1, 1, 352, 1408]);
    b2.dispose();
  });

  it('resetClassifier, numClasses and freezeBackbone', () => {
    const model = efficientnet_b0({ numClasses: 10, seed: 5 });
    expect(model.numClasses).toBe(10);
    model.resetClassifier(3);
    expect(model.numClasses).toBe(3);
    expect(model.stateDict()['classifier.1.weight'].shape).toEqual([1280, 3]);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[1280, 3], [3]]);
    const x = tf.zeros([1, 32, 32, 3]);
    const before = tf.memory().numTensors;
    const y = model.predict(x);
    expect(y.shape).toEqual([1, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('ships torchvision weights entries as data', () => {
    expect(Object.keys(efficientnetWeights)).toEqual(efficientnetNames);
    expect(efficientnetWeights.efficientnet_b0[0]).toMatchObject({ tag: 'IMAGENET1K_V1', sha256Prefix: '3dd342df', numParams: 5_288_548 });
    expect(efficientnetWeights.efficientnet_b7[0].transforms.cropSize).toBe(600);
  });
});

const blocksOf = (model: ReturnType<typeof efficientnet_b0>) =>
  model.namedModules().filter((e): e is [string, MBConv | FusedMBConv] => e[1] instanceof MBConv || e[1] instanceof FusedMBConv);

describe('EfficientNetV2 specifics', () => {
  it("stage tables are torchvision's: FusedMBConv stages, then MBConv stages", () => {
    const kinds = (name: Parameters<typeof efficientnetV2Stages>[0]) =>
      efficientnetV2Stages(name).map((s) => [
        s.block ? 'fused' : 'mbconv',
        s.expandRatio,
        s.stride,
        s.inputChannels,
        s.outChannels,
        s.numLayers,
      ]);
    expect(kinds('efficientnet_v2_s')).toEqual([
      ['fused', 1, 1, 24, 24, 2],
      ['fused', 4, 2, 24, 48, 4],
      ['fused', 4, 2, 48, 64, 4],
      ['mbconv', 4, 2, 64, 128, 6],
      ['mbconv', 6, 1, 128, 160, 9],
      ['mbconv', 6, 2, 160, 256, 15],
    ]);
    expect(kinds('efficientnet_v2_m').map((r) => r[5])).toEqual([3, 5, 5, 7, 14, 18, 5]);
    expect(kinds('efficientnet_v2_l').map((r) => r[4])).toEqual([32, 64, 96, 192, 224, 384, 640]);
    expect(() => efficientnetV2Stages('efficientnet_v2_xl' as 'efficientnet_v2_s')).toThrow(OptionError);
  });

  it('FusedMBConv: one k×k conv with SiLU at expand ratio 1, else k×k expand → 1×1 project; no SE', () => {
    // Structure only: skipInit leaves out the random draws.
    const model = skipInit(() => efficientnet_v2_s({ seed: 1 }));
    const blocks = blocksOf(model);
    expect(blocks).toHaveLength(40);
    expect(blocks.filter(([, b]) => b instanceof FusedMBConv).map(([k]) => k)).toHaveLength(10);
    expect(blocks[0][0]).toBe('features.1.0');
    expect(blocks[10]).toEqual(['features.4.0', expect.any(MBConv)]);
    const state = model.stateDict();
    expect(state['features.1.0.block.0.0.weight'].shape).toEqual([3, 3, 24, 24]);
    expect(state['features.1.0.block.1.0.weight']).toBeUndefined();
    expect(state['features.2.0.block.0.0.weight'].shape).toEqual([3, 3, 24, 96]);
    expect(state['features.2.0.block.1.0.weight'].shape).toEqual([1, 1, 96, 48]);
    expect(Object.keys(state).some((k) => /^features\.[123]\..*fc1/.test(k))).toBe(false);
    expect(state['features.4.0.block.2.fc1.weight'].shape).toEqual([1, 1, 256, 16]);
    expect(state['features.7.0.weight'].shape).toEqual([1, 1, 256, 1280]);
    const units = (i: number) => (blocks[i][1] as FusedMBConv).units.map((u) => u.activation);
    expect([units(0), units(2)]).toEqual([['silu'], ['silu', 'linear']]);
    expect(blocks.map(([, b]) => b.useResConnect).slice(0, 6)).toEqual([true, true, false, true, true, true]);
    blocks.forEach(([, b], i) => expect(b.stochasticDepth.p).toBeCloseTo((0.2 * i) / 40, 12));
    model.dispose();
  });

  it('FusedMBConv evaluation (folded, residual fused or not) equals block(x) + x', () => {
    for (const expandRatio of [1, 4]) {
      const block = new FusedMBConv(
        { expandRatio, kernel: 3, stride: 1, inputChannels: 16, outChannels: 16 },
        0.5,
        (c) => new BatchNorm2d(c, { eps: 1e-3 }),
        toGenerator(7),
      ).eval();
      const x = tf.randomNormal([2, 6, 6, 16], 0, 1, 'float32', 8);
      const y = block.forward(x);
      const expected = tf.tidy(() => tf.add(block.getModule('block').forward(x), x));
      expect(tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0]).toBeLessThan(1e-4);
      tf.dispose([x, y, expected]);
      block.dispose();
    }
    expect(
      () =>
        new FusedMBConv(
          { expandRatio: 4, kernel: 3, stride: 3, inputChannels: 8, outChannels: 8 },
          0,
          (c) => new BatchNorm2d(c),
          toGenerator(0),
        ),
    ).toThrow(new OptionError('FusedMBConv', 'stride must be 1 or 2, got 3'));
  });

  it('BatchNorm eps 1e-3 with momentum 0.1; dropout 0.2/0.3/0.4; features.7 is 7×7×1280 at 224', () => {
    for (const [build, p] of [
      [efficientnet_v2_s, 0.2],
      [efficientnet_v2_m, 0.3],
      [efficientnet_v2_l, 0.4],
    ] as const) {
      const model = skipInit(() => build({ seed: 3 }));
      const norms = model.namedModules().filter(([, m]) => m instanceof BatchNorm2d) as [string, BatchNorm2d][];
      expect(norms.every(([, bn]) => bn.eps === 1e-3 && bn.momentum === 0.1)).toBe(true);
      expect((model.getModule('classifier.0') as unknown as { p: number }).p).toBe(p);
      expect(model.stateDict()['classifier.1.weight'].shape).toEqual([1280, 1000]);
      if (build === efficientnet_v2_s) {
        const x = tf.zeros([1, 224, 224, 3]);
        const f = model.eval().forwardFeatures(x);
        expect(f.shape).toEqual([1, 7, 7, 1280]);
        tf.dispose([x, f]);
      }
      model.dispose();
    }
  });

  it('resetClassifier and freezeBackbone; no tensor leaks', () => {
    const model = efficientnet_v2_s({ numClasses: 10, seed: 5 });
    expect(model.numClasses).toBe(10);
    model.resetClassifier(3);
    expect(model.stateDict()['classifier.1.weight'].shape).toEqual([1280, 3]);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[1280, 3], [3]]);
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 6);
    const before = tf.memory().numTensors;
    model.train().predict(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.eval().predict(x).dispose();
    const cached = tf.memory().numTensors;
    model.predict(x).dispose();
    expect(tf.memory().numTensors).toBe(cached);
    model.train();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('rejects bad options', () => {
    expect(() => efficientnet_v2_s({ numClasses: 0 })).toThrow(
      new OptionError('efficientnet_v2_s', 'numClasses must be a positive integer, got 0'),
    );
    expect(() => efficientnet_v2_m({ dropout: 1.5 })).toThrow(new OptionError('efficientnet_v2_m', 'dropout must be in [0, 1], got 1.5'));
    expect(() => efficientnet_v2_l({ stochasticDepthProb: -0.1 })).toThrow(
      new OptionError('efficientnet_v2_l', 'stochasticDepthProb must be in [0, 1], got -0.1'),
    );
  });

  it("ships the V2 weights entries with torchvision's transforms", () => {
    expect(efficientnetNames.slice(-3)).toEqual(['efficientnet_v2_s', 'efficientnet_v2_m', 'efficientnet_v2_l']);
    expect(efficientnetWeights.efficientnet_v2_s[0]).toMatchObject({ sha256Prefix: 'dd5fe13b', numParams: 21_458_488 });
    expect(efficientnetWeights.efficientnet_v2_s[0].transforms).toMatchObject({
      cropSize: 384,
      resizeSize: 384,
      interpolation: 'bilinear',
    });
    expect(efficientnetWeights.efficientnet_v2_m[0].transforms).toMatchObject({ cropSize: 480, resizeSize: 480 });
    expect(efficientnetWeights.efficientnet_v2_l[0].transforms).toMatchObject({
      cropSize: 480,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
    expect(efficientnetWeights.efficientnet_v2_l[0].numParams).toBe(118_515_272);
  });
});
