import * as tf from '@tensorflow/tfjs-core';
import { ConvkitError, OptionError, skipInit } from '@convkit/core';
import { AdaptiveAvgPool2d, Conv2d, Linear, MaxPool2d } from '@convkit/layers';
import { Dropout } from '@convkit/regularization';
import { describe, expect, it } from 'vitest';
import { describeArchitectures } from '@convkit/test-utils/node';
import { AlexNet, alexnet, alexnetNames, alexnetWeights } from './index';

// 160 px: a 4×4 map before the adaptive pool, so PyTorch's overlapping 4 → 6 bins are compared too
// (at 224 the map is already 6×6). torchvision's count: AlexNet_Weights.IMAGENET1K_V1 meta["num_params"].
describeArchitectures('AlexNet', [
  // PyTorch's training step turns dropout off: so does this model.
  { name: 'alexnet', build: () => alexnet({ seed: 0, dropout: 0 }), params: 61_100_840, size: 160, gradients: true },
]);

describe('AlexNet specifics', () => {
  it("torchvision's layout: features convs and pools, avgpool 6×6, classifier with dropout first", () => {
    const model = skipInit(() => alexnet());
    const kinds = (prefix: string) =>
      model
        .namedModules()
        .filter(([k]) => k.startsWith(prefix) && k.split('.').length === 2)
        .map(([k, m]) => [k, m.typeName]);
    expect(kinds('features.').filter(([, t]) => t !== 'ReLU')).toEqual([
      ['features.0', 'Conv2d'],
      ['features.2', 'MaxPool2d'],
      ['features.3', 'Conv2d'],
      ['features.5', 'MaxPool2d'],
      ['features.6', 'Conv2d'],
      ['features.8', 'Conv2d'],
      ['features.10', 'Conv2d'],
      ['features.12', 'MaxPool2d'],
    ]);
    const conv0 = model.getModule('features.0') as Conv2d;
    expect([conv0.options.stride, conv0.options.padding]).toEqual([4, 2]);
    expect((model.getModule('features.12') as MaxPool2d).options).toMatchObject({ kernelSize: 3, stride: 2 });
    expect((model.getModule('avgpool') as AdaptiveAvgPool2d).outputSize).toBe(6);
    expect(kinds('classifier.').map(([, t]) => t)).toEqual(['Dropout', 'Linear', 'ReLU', 'Dropout', 'Linear', 'ReLU', 'Linear']);
    expect((model.getModule('classifier.0') as Dropout).p).toBe(0.5);
    // PyTorch flattens C,H,W; this model flattens NHWC's H,W,C and says so for the weights loader.
    expect((model.getModule('classifier.1') as Linear).flattenedInput).toEqual({ height: 6, width: 6, channels: 256 });
    const sd = model.stateDict();
    expect(Object.keys(sd)).toHaveLength(16);
    expect(sd['features.0.weight'].shape).toEqual([11, 11, 3, 64]);
    expect(sd['classifier.1.weight'].shape).toEqual([9216, 4096]);
    model.dispose();
  });

  it("the adaptive pool's 4 → 6 bins overlap as PyTorch's: [⌊4i/6⌋, ⌈4(i+1)/6⌉)", () => {
    // Rows 0..3 hold 0, 10, 20, 30; bins [0,1) [0,2) [1,2) [2,3) [2,4) [3,4) average to 0, 5, 10, 20, 25, 30.
    const x = tf.tile(tf.reshape(tf.tensor1d([0, 10, 20, 30]), [1, 4, 1, 1]), [1, 1, 4, 2]);
    const y = new AdaptiveAvgPool2d(6).forward(x);
    expect(y.shape).toEqual([1, 6, 6, 2]);
    expect(Array.from(tf.tidy(() => tf.slice(y, [0, 0, 0, 0], [1, 6, 1, 1]).dataSync()))).toEqual([0, 5, 10, 20, 25, 30]);
    tf.dispose([x, y]);
  });

  it('feature map sizes: 6×6 at 224, 1×1 at 63 px (the smallest input), 62 px a typed error', () => {
    const model = skipInit(() => alexnet()).eval();
    for (const [size, out] of [
      [224, 6],
      [63, 1],
    ]) {
      const x = tf.zeros([1, size, size, 3]);
      const f = model.forwardFeatures(x);
      expect(f.shape).toEqual([1, out, out, 256]);
      const logits = model.forwardHead(f);
      expect(logits.shape).toEqual([1, 1000]);
      tf.dispose([x, f, logits]);
    }
    const tooSmall = tf.zeros([1, 62, 62, 3]);
    expect(() => model.forward(tooSmall)).toThrow(ConvkitError);
    tooSmall.dispose();
    model.dispose();
  });

  it('resetClassifier replaces classifier.6; numClasses, freezeBackbone; predict leaks nothing', () => {
    const model = alexnet({ numClasses: 10, seed: 5 });
    expect(model.numClasses).toBe(10);
    model.resetClassifier(3, 1);
    expect(model.numClasses).toBe(3);
    expect(model.stateDict()['classifier.6.weight'].shape).toEqual([4096, 3]);
    model.freezeBackbone();
    expect(model.trainableParameters().length).toBe(6);
    model.freeze();
    model.unfreeze('classifier.6');
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[4096, 3], [3]]);
    const x = tf.zeros([1, 64, 64, 3]);
    const before = tf.memory().numTensors;
    model.predict(x).dispose();
    model.predict(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('bad options throw OptionError naming the builder', () => {
    expect(() => alexnet({ dropout: 1 })).toThrow(new OptionError('alexnet', 'dropout must be in [0, 1), got 1'));
    expect(() => alexnet({ numClasses: 0 })).toThrow(new OptionError('alexnet', 'numClasses must be a positive integer, got 0'));
    expect(() => new AlexNet({ numClasses: -1 })).toThrow(OptionError);
  });

  it('ships the torchvision weights entry as data', () => {
    expect(alexnetNames).toEqual(['alexnet']);
    expect(alexnetWeights.alexnet[0]).toMatchObject({
      tag: 'IMAGENET1K_V1',
      fileName: 'alexnet-owt-7be5be79.pth',
      sha256Prefix: '7be5be79',
      numParams: 61_100_840,
      metrics: { acc1: 56.522, acc5: 79.066 },
    });
    expect(alexnetWeights.alexnet[0].transforms).toMatchObject({ resizeSize: 256, cropSize: 224, interpolation: 'bilinear' });
  });
});
