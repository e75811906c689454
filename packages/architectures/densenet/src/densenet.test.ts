import * as tf from '@tensorflow/tfjs-core';
import { OptionError, skipInit } from '@convkit/core';
import { describeArchitectures, torchAvailable, torchReference } from '@convkit/test-utils/node';
import { describe, expect, it } from 'vitest';
import { DenseLayer, densenet121, densenet161, densenet169, densenet201, densenetNames, densenetRenameKey, densenetWeights } from './index';

// 64 px: block 4 still sees 2×2 maps. The bigger members are checked by count, keys and shapes below.
describeArchitectures('DenseNet', [
  { name: 'densenet121', build: () => densenet121({ seed: 0 }), params: 7_978_856, size: 64, trainSize: 32 },
]);

const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('DenseNet specifics', () => {
  it('161/169/201: torchvision parameter counts, layer counts and feature widths', () => {
    // Keys: stem 6, per dense layer 12, per transition 6, norm5 5, classifier 2.
    for (const [build, params, blocks, width] of [
      [densenet161, 28_681_000, [6, 12, 36, 24], 2208],
      [densenet169, 14_149_480, [6, 12, 32, 32], 1664],
      [densenet201, 20_013_928, [6, 12, 48, 32], 1920],
    ] as const) {
      const model = skipInit(() => build());
      expect(model.numParameters()).toBe(params);
      const sd = model.stateDict();
      const layers = blocks.reduce((a, b) => a + b, 0);
      expect(Object.keys(sd)).toHaveLength(6 + 12 * layers + 6 * 3 + 5 + 2);
      expect(sd['features.norm5.weight'].shape).toEqual([width]);
      expect(sd['classifier.weight'].shape).toEqual([width, 1000]);
      expect(sd[`features.denseblock4.denselayer${blocks[3]}.conv2.weight`]).toBeDefined();
      model.dispose();
    }
    const m161 = skipInit(() => densenet161());
    const sd = m161.stateDict();
    // growth 48, bottleneck 4·48 = 192; block 1 in 96 → 96 + 6·48 = 384 → transition to 192.
    expect(sd['features.conv0.weight'].shape).toEqual([7, 7, 3, 96]);
    expect(sd['features.denseblock1.denselayer6.conv1.weight'].shape).toEqual([1, 1, 96 + 5 * 48, 192]);
    expect(sd['features.denseblock1.denselayer6.conv2.weight'].shape).toEqual([3, 3, 192, 48]);
    expect(sd['features.transition1.conv.weight'].shape).toEqual([1, 1, 384, 192]);
    m161.dispose();
  });

  it('per-chunk BN → ReLU → 1×1 conv equals the concatenated form: output, gradients, running statistics', () => {
    const make = () => {
      const layer = new DenseLayer(8 + 2 * 4, 4, 4, 0, undefined);
      // Non-trivial affine parameters so every slice matters.
      layer.norm1.weight?.assign(tf.randomUniform([16], 0.5, 1.5, 'float32', 1));
      layer.norm1.bias?.assign(tf.randomNormal([16], 0, 0.3, 'float32', 2));
      return layer;
    };
    const a = make();
    const b = make();
    b.loadStateDict(a.stateDict());
    const bp = Object.fromEntries(b.namedParameters());
    const chunks = [
      tf.randomNormal([3, 5, 5, 8], 0, 1, 'float32', 3),
      tf.randomNormal([3, 5, 5, 4], 1, 2, 'float32', 4),
      tf.randomNormal([3, 5, 5, 4], -1, 1, 'float32', 5),
    ];
    const loss = (layer: DenseLayer, concat: boolean) => () =>
      tf.tidy(() => {
        const y = concat ? layer.conv1.forward(tf.relu(layer.norm1.forward(tf.concat(chunks, 3)))) : layer.bottleneck(chunks);
        return tf.sum(tf.mul(y, tf.sin(y))) as tf.Scalar;
      });
    for (const [name, p] of a.namedParameters()) expect(maxDiff(p, bp[name])).toBe(0);
    const ga = tf.variableGrads(
      loss(a, false),
      a.namedParameters().map(([, v]) => v),
    );
    const gb = tf.variableGrads(
      loss(b, true),
      b.namedParameters().map(([, v]) => v),
    );
    expect(Math.abs(ga.value.dataSync()[0] - gb.value.dataSync()[0])).toBeLessThan(1e-4 * Math.abs(gb.value.dataSync()[0]));
    for (const [key, v] of a.namedParameters().filter(([k]) => k.startsWith('norm1') || k.startsWith('conv1'))) {
      const other = gb.grads[bp[key].name];
      expect(maxDiff(ga.grads[v.name], other), key).toBeLessThan(1e-4 * maxAbs(other));
    }
    for (const key of ['norm1.running_mean', 'norm1.running_var', 'norm1.num_batches_tracked']) {
      expect(maxDiff(a.stateDict()[key], b.stateDict()[key]), key).toBeLessThan(1e-6);
    }
    expect(a.stateDict()['norm1.num_batches_tracked'].dataSync()[0]).toBe(1);
    a.eval();
    b.eval();
    const before = tf.memory().numTensors;
    const ya = a.bottleneck(chunks);
    const yb = tf.tidy(() => b.conv1.forward(tf.relu(b.norm1.forward(tf.concat(chunks, 3)))));
    expect(maxDiff(ya, yb)).toBeLessThan(1e-5 * maxAbs(yb));
    tf.dispose([ya, yb]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ga.value, gb.value, ...Object.values(ga.grads), ...Object.values(gb.grads), ...chunks]);
    a.dispose();
    b.dispose();
  });

  it.runIf(torchAvailable())("one training step: PyTorch's loss, gradients within PyTorch's own float32 error", () => {
    // This step is ill-conditioned (121 layers on batch statistics): PyTorch's float32 gradients
    // differ from its float64 ones by up to 2.8e-3 of a tensor's largest value at 32 px (11% at 64).
    const ref = torchReference('densenet121', { size: 32, extra: ['--grads'] });
    const model = skipInit(() => densenet121());
    const step = ref.step;
    if (!step) throw new Error('no training step in the reference');
    model.loadStateDict(ref.state);
    model.train();
    const labels = tf.oneHot(tf.tensor1d(step.labels, 'int32'), 1000);
    const loss = () => tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(model.forward(step.input))), 1))) as tf.Scalar;
    const { value, grads } = tf.variableGrads(loss);
    expect(Math.abs(value.dataSync()[0] - step.loss)).toBeLessThan(1e-4 * Math.max(1, step.loss));
    const named = Object.fromEntries(model.namedParameters());
    expect(Object.keys(named).sort()).toEqual(Object.keys(step.grads).sort());
    const largest = Math.max(...Object.values(step.grads).map(maxAbs));
    const worst = Math.max(
      ...Object.entries(step.grads).map(([k, g]) => maxDiff(grads[named[k].name], g) / Math.max(maxAbs(g), 1e-4 * largest)),
    );
    console.log(`densenet121 gradients @32px: worst relative difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1.2e-2);
    tf.dispose([labels, value, ...Object.values(grads)]);
    ref.dispose();
    model.dispose();
  });

  it('output sizes at 224: 56 → 28 → 14 → 7, 1024 channels; summary lists every module', () => {
    const model = skipInit(() => densenet121()).eval();
    const s = model.summary([1, 64, 64, 3]);
    const row = (p: string) => s.rows.find((r) => r.path === p)?.outputShape;
    // 64 px: stem 32, pool 16; blocks at 16, 8, 4, 2.
    expect(row('features.denseblock1.denselayer6.conv2')).toEqual([16, 16, 32]);
    expect(row('features.transition1.pool')).toEqual([8, 8, 128]);
    expect(row('features.norm5')).toEqual([2, 2, 1024]);
    expect(s.totalParams).toBe(7_978_856);
    const x = tf.zeros([1, 224, 224, 3]);
    const f = model.forwardFeatures(x);
    expect(f.shape).toEqual([1, 7, 7, 1024]);
    tf.dispose([x, f]);
    model.dispose();
  });

  it('initialises like torchvision: kaiming normal (fan in) convs, BN 1/0, classifier bias 0', () => {
    const model = densenet121({ seed: 3 });
    const sd = model.stateDict();
    // transition3.conv: fan in 1024 → std √(2/1024).
    const std = tf.tidy(() => Math.sqrt(tf.moments(sd['features.transition3.conv.weight']).variance.dataSync()[0]));
    expect(std).toBeCloseTo(Math.sqrt(2 / 1024), 3);
    // The classifier keeps PyTorch's default weight U(±1/√1024).
    expect(maxAbs(sd['classifier.weight'])).toBeLessThanOrEqual(1 / 32);
    expect(maxAbs(sd['classifier.weight'])).toBeGreaterThan(0.95 / 32);
    expect(maxAbs(sd['classifier.bias'])).toBe(0);
    expect(maxAbs(tf.sub(sd['features.denseblock2.denselayer3.norm1.weight'], 1))).toBe(0);
    expect(maxAbs(sd['features.norm5.bias'])).toBe(0);
    model.dispose();
  });

  it('resetClassifier, freezeBackbone, dropRate, options; predict leaks nothing', () => {
    const model = densenet121({ numClasses: 10, seed: 5, dropRate: 0.2 });
    expect(model.numClasses).toBe(10);
    expect((model.getModule('features.denseblock3.denselayer1') as DenseLayer).dropRate).toBe(0.2);
    model.resetClassifier(3, 1);
    expect(model.stateDict()['classifier.weight'].shape).toEqual([1024, 3]);
    expect(maxAbs(model.stateDict()['classifier.bias'])).toBe(0);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[1024, 3], [3]]);
    const x = tf.zeros([1, 32, 32, 3]);
    const before = tf.memory().numTensors;
    model.predict(x).dispose();
    model.predict(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
    expect(() => densenet169({ dropRate: 1 })).toThrow(new OptionError('densenet169', 'dropRate must be in [0, 1), got 1'));
    expect(() => densenet201({ numClasses: 0 })).toThrow(new OptionError('densenet201', 'numClasses must be a positive integer, got 0'));
  });

  it("renames torchvision's checkpoint keys as its _load_state_dict does; ships the weights catalog", () => {
    expect(densenetRenameKey('features.denseblock1.denselayer1.norm.1.weight')).toBe('features.denseblock1.denselayer1.norm1.weight');
    expect(densenetRenameKey('features.denseblock4.denselayer16.conv.2.weight')).toBe('features.denseblock4.denselayer16.conv2.weight');
    expect(densenetRenameKey('features.denseblock2.denselayer3.norm.2.running_var')).toBe(
      'features.denseblock2.denselayer3.norm2.running_var',
    );
    expect(densenetRenameKey('features.transition1.norm.weight')).toBe('features.transition1.norm.weight');
    expect(densenetRenameKey('features.norm5.bias')).toBe('features.norm5.bias');
    expect(Object.keys(densenetWeights)).toEqual(densenetNames);
    expect(densenetNames).toEqual(['densenet121', 'densenet161', 'densenet169', 'densenet201']);
    expect(densenetWeights.densenet121[0]).toMatchObject({
      fileName: 'densenet121-a639ec97.pth',
      sha256Prefix: 'a639ec97',
      numParams: 7_978_856,
      metrics: { acc1: 74.434, acc5: 91.972 },
    });
    expect(densenetWeights.densenet161[0]).toMatchObject({ sha256Prefix: '8d451a50', metrics: { acc1: 77.138, acc5: 93.56 } });
    expect(densenetWeights.densenet201[0].transforms).toMatchObject({ resizeSize: 256, cropSize: 224, interpolation: 'bilinear' });
  });
});
