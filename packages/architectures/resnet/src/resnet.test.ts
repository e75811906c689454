import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeArchitectures } from '@convkit/test-utils/node';
import { resnet18, resnet34, resnet50, resnet101, resnet152, resnext50_32x4d, wide_resnet50_2, resnetWeights } from './index';

describeArchitectures('ResNet', [
  { name: 'resnet18', build: () => resnet18({ seed: 0 }), params: 11_689_512, size: 64, gradients: true },
  { name: 'resnet34', build: () => resnet34({ seed: 0 }), params: 21_797_672, size: 64 },
  { name: 'resnet50', build: () => resnet50({ seed: 0 }), params: 25_557_032, size: 64 },
  { name: 'resnet101', build: () => resnet101({ seed: 0 }), params: 44_549_160, size: 48, trainSize: 32 },
  { name: 'resnet152', build: () => resnet152({ seed: 0 }), params: 60_192_808, size: 48, trainSize: 32 },
  { name: 'resnext50_32x4d', build: () => resnext50_32x4d({ seed: 0 }), params: 25_028_904, size: 48, trainSize: 32 },
  { name: 'wide_resnet50_2', build: () => wide_resnet50_2({ seed: 0 }), params: 68_883_240, size: 48, trainSize: 32 },
]);

describe('ResNet specifics', () => {
  it('forwardFeatures gives the last feature map (7×7×2048 for ResNet50 at 224)', () => {
    const model = resnet50({ seed: 1 }).eval();
    const x = tf.zeros([1, 224, 224, 3]);
    const f = model.forwardFeatures(x);
    expect(f.shape).toEqual([1, 7, 7, 2048]);
    tf.dispose([x, f]);
    model.dispose();
  });

  it('resetClassifier, numClasses and zeroInitResidual', () => {
    const model = resnet18({ numClasses: 10, zeroInitResidual: true, seed: 2 });
    expect(model.numClasses).toBe(10);
    expect(Array.from(model.stateDict()['layer1.0.bn2.weight'].dataSync()).every((v) => v === 0)).toBe(true);
    model.resetClassifier(3);
    expect(model.numClasses).toBe(3);
    expect(model.stateDict()['fc.weight'].shape).toEqual([512, 3]);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[512, 3], [3]]);
    model.dispose();
  });

  it('ships torchvision weights entries as data', () => {
    const [v1, v2] = resnetWeights.resnet50;
    expect(v1).toMatchObject({ tag: 'IMAGENET1K_V1', fileName: 'resnet50-0676ba61.pth', sha256Prefix: '0676ba61', numParams: 25_557_032 });
    expect(v2.transforms.resizeSize).toBe(232);
  });
});
