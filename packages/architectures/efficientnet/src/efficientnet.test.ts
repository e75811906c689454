import * as tf from '@tensorflow/tfjs-core';
import { toGenerator } from '@convkit/core';
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
  efficientnetNames,
  efficientnetWeights,
  makeDivisible,
  MBConv,
} from './index';

// A dropped residual branch gets no gradient, so the suite's train-mode check runs without stochastic depth.
const noDrop = { seed: 0, stochasticDepthProb: 0 };

describeArchitectures('EfficientNet', [
  { name: 'efficientnet_b0', build: () => efficientnet_b0(noDrop), params: 5_288_548, size: 64 },
  { name: 'efficientnet_b1', build: () => efficientnet_b1(noDrop), params: 7_794_184, size: 64 },
  { name: 'efficientnet_b2', build: () => efficientnet_b2(noDrop), params: 9_109_994, size: 64, trainSize: 32 },
  { name: 'efficientnet_b3', build: () => efficientnet_b3(noDrop), params: 12_233_232, size: 64, trainSize: 32 },
  { name: 'efficientnet_b4', build: () => efficientnet_b4(noDrop), params: 19_341_616, size: 48, trainSize: 32 },
  { name: 'efficientnet_b5', build: () => efficientnet_b5(noDrop), params: 30_389_784, size: 48, trainSize: 32 },
  { name: 'efficientnet_b6', build: () => efficientnet_b6(noDrop), params: 43_040_704, size: 32, trainSize: 32 },
  { name: 'efficientnet_b7', build: () => efficientnet_b7(noDrop), params: 66_347_960, size: 32, trainSize: 32 },
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
