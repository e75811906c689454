import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { Conv2d, MaxPool2d } from '@convkit/layers';
import { Dropout } from '@convkit/regularization';
import { describe, expect, it } from 'vitest';
import { describeArchitectures } from '@convkit/test-utils/node';
import { Fire, SqueezeNet, squeezenet1_0, squeezenet1_1, squeezenetNames, squeezenetWeights } from './index';

// Sizes where a ceil-mode pool keeps a window that floor mode would drop: 1.0 at 48 (21 → 10 → 5 → 2),
// 1.1 at 56 (27 → 13 → 6 → 3).
describeArchitectures('SqueezeNet', [
  { name: 'squeezenet1_0', build: () => squeezenet1_0({ seed: 0 }), params: 1_248_424, size: 48 },
  // PyTorch's training step turns dropout off: so does this model.
  { name: 'squeezenet1_1', build: () => squeezenet1_1({ seed: 0, dropout: 0 }), params: 1_235_496, size: 56, gradients: true },
]);

function fires(model: SqueezeNet): [string, Fire][] {
  return model.namedModules().filter((e): e is [string, Fire] => e[1] instanceof Fire);
}

describe('SqueezeNet specifics', () => {
  it('Fire modules: squeeze and expand channels per version, pools where torchvision has them', () => {
    const v10 = squeezenet1_0({ seed: 1 });
    const channels = (m: SqueezeNet) =>
      fires(m).map(([k, f]) => [k, f.inplanes, f.squeeze.outChannels, f.expand1x1.outChannels, f.expand3x3.outChannels]);
    expect(channels(v10)).toEqual([
      ['features.3', 96, 16, 64, 64],
      ['features.4', 128, 16, 64, 64],
      ['features.5', 128, 32, 128, 128],
      ['features.7', 256, 32, 128, 128],
      ['features.8', 256, 48, 192, 192],
      ['features.9', 384, 48, 192, 192],
      ['features.10', 384, 64, 256, 256],
      ['features.12', 512, 64, 256, 256],
    ]);
    const pools = (m: SqueezeNet) => m.namedModules().filter(([, x]) => x instanceof MaxPool2d) as [string, MaxPool2d][];
    expect(pools(v10).map(([k]) => k)).toEqual(['features.2', 'features.6', 'features.11']);
    expect(pools(v10).every(([, p]) => p.options.ceilMode && p.options.kernelSize === 3 && p.options.stride === 2)).toBe(true);
    const sd = v10.stateDict();
    expect(sd['features.0.weight'].shape).toEqual([7, 7, 3, 96]);
    expect(sd['features.3.expand3x3.weight'].shape).toEqual([3, 3, 16, 64]);
    expect(sd['classifier.1.weight'].shape).toEqual([1, 1, 512, 1000]);
    expect(Object.keys(sd)).toHaveLength(52);
    v10.dispose();
    const v11 = squeezenet1_1({ seed: 1 });
    expect(channels(v11).map((c) => c[0])).toEqual([
      'features.3',
      'features.4',
      'features.6',
      'features.7',
      'features.9',
      'features.10',
      'features.11',
      'features.12',
    ]);
    expect(pools(v11).map(([k]) => k)).toEqual(['features.2', 'features.5', 'features.8']);
    expect(v11.stateDict()['features.0.weight'].shape).toEqual([3, 3, 3, 64]);
    v11.dispose();
  });

  it('Fire concatenates expand1x1 then expand3x3 on the channel axis', () => {
    const fire = new Fire(8, 4, 5, 6, undefined).eval();
    const x = tf.randomNormal([2, 5, 5, 8], 0, 1, 'float32', 7);
    const y = fire.forward(x);
    expect(y.shape).toEqual([2, 5, 5, 11]);
    expect(fire.outChannels).toBe(11);
    const s = tf.relu(fire.squeeze.forward(x));
    const manual = tf.concat([tf.relu(fire.expand1x1.forward(s)), tf.relu(fire.expand3x3.forward(s))], 3);
    expect(tf.max(tf.abs(tf.sub(y, manual))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, y, s, manual]);
    fire.dispose();
  });

  it('ceil-mode sizes: 13×13×512 features at 224 for both versions; a 1×1 map still at 32', () => {
    // 1.0: conv 7/2 224 → 109; pools ⌈(109−3)/2⌉+1 = 54 → 27 → 13. 1.1: conv 3/2 → 111 → 55 → 27 → 13.
    for (const build of [squeezenet1_0, squeezenet1_1]) {
      const model = build({ seed: 2 }).eval();
      for (const [size, out] of [
        [224, 13],
        [32, 1],
      ]) {
        const x = tf.zeros([1, size, size, 3]);
        const f = model.forwardFeatures(x);
        expect(f.shape).toEqual([1, out, out, 512]);
        const logits = model.forwardHead(f);
        expect(logits.shape).toEqual([1, 1000]);
        tf.dispose([x, f, logits]);
      }
      model.dispose();
    }
    // Floor mode would give 1.0 at 48: 21 → 10 → 4 → 1; ceil mode keeps the overhanging windows.
    const v10 = squeezenet1_0({ seed: 2 }).eval();
    const x = tf.zeros([1, 48, 48, 3]);
    const f = v10.forwardFeatures(x);
    expect(f.shape).toEqual([1, 2, 2, 512]);
    tf.dispose([x, f]);
    v10.dispose();
  });

  it('initialises like torchvision: kaiming uniform convs, N(0, 0.01) final conv, zero biases; dropout 0.5', () => {
    const model = squeezenet1_1({ seed: 3 });
    const sd = model.stateDict();
    const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);
    // features.12.expand3x3: fan in 64 · 9, U(±√(6/576)).
    const bound = Math.sqrt(6 / 576);
    expect(maxAbs(sd['features.12.expand3x3.weight'])).toBeLessThanOrEqual(bound);
    expect(maxAbs(sd['features.12.expand3x3.weight'])).toBeGreaterThan(0.95 * bound);
    const std = tf.tidy(() => Math.sqrt(tf.moments(sd['classifier.1.weight']).variance.dataSync()[0]));
    expect(std).toBeCloseTo(0.01, 3);
    for (const key of ['features.0.bias', 'features.3.squeeze.bias', 'classifier.1.bias']) expect(maxAbs(sd[key])).toBe(0);
    expect((model.getModule('classifier.0') as Dropout).p).toBe(0.5);
    model.dispose();
  });

  it('resetClassifier replaces classifier.1 (a conv); numClasses, freezeBackbone; predict leaks nothing', () => {
    const model = squeezenet1_0({ numClasses: 10, seed: 5 });
    expect(model.numClasses).toBe(10);
    model.resetClassifier(3, 1);
    expect(model.numClasses).toBe(3);
    expect(model.getModule('classifier.1')).toBeInstanceOf(Conv2d);
    expect(model.stateDict()['classifier.1.weight'].shape).toEqual([1, 1, 512, 3]);
    expect(tf.max(tf.abs(model.stateDict()['classifier.1.bias'])).dataSync()[0]).toBe(0);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[1, 1, 512, 3], [3]]);
    const x = tf.zeros([1, 40, 40, 3]);
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
    expect(() => squeezenet1_1({ dropout: -0.1 })).toThrow(new OptionError('squeezenet1_1', 'dropout must be in [0, 1), got -0.1'));
    expect(() => squeezenet1_0({ numClasses: 2.5 })).toThrow(
      new OptionError('squeezenet1_0', 'numClasses must be a positive integer, got 2.5'),
    );
    expect(() => new SqueezeNet('1_2' as '1_0')).toThrow(new OptionError('SqueezeNet', `version must be '1_0' or '1_1', got "1_2"`));
  });

  it('ships torchvision weights entries as data', () => {
    expect(Object.keys(squeezenetWeights)).toEqual(squeezenetNames);
    expect(squeezenetNames).toEqual(['squeezenet1_0', 'squeezenet1_1']);
    expect(squeezenetWeights.squeezenet1_0[0]).toMatchObject({ tag: 'IMAGENET1K_V1', sha256Prefix: 'b66bff10', numParams: 1_248_424 });
    expect(squeezenetWeights.squeezenet1_1[0]).toMatchObject({ tag: 'IMAGENET1K_V1', sha256Prefix: 'b8a52dc0', numParams: 1_235_496 });
    expect(squeezenetWeights.squeezenet1_1[0].transforms).toMatchObject({ resizeSize: 256, cropSize: 224 });
  });
});
