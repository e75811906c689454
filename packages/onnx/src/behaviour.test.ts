import { ConvkitError, OptionError, ShapeError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  Conv2d,
  Flatten,
  GELU,
  Hardswish,
  Linear,
  MaxPool2d,
  AvgPool2d,
  ReLU6,
  Sequential,
  Tanh,
  AdaptiveAvgPool2d,
} from '@convkit/layers';
import { createModel } from '@convkit/models';
import { BatchNorm2d, Dropout } from '@convkit/regularization';
import { Module } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { exportOnnx, MissingPeerError, toOnnxRuntime, UnsupportedModuleError } from './index';
import { importRuntime } from './onnx-predictor';
import { heScaledConvs, inputDependence, relativeDiff } from '@convkit/test-utils';
import { checkerAvailable, checkModel, runOnnx, toNchw } from '@convkit/test-utils/onnx';

async function expectSame(model: Module, nhwcShape: number[], options: Partial<Parameters<typeof exportOnnx>[1]> = {}): Promise<number> {
  const [n, h, w, c] = nhwcShape;
  const bytes = await exportOnnx(model, { inputShape: [n, c, h, w], ...options });
  if (checkerAvailable()) checkModel(bytes);
  const x = tf.randomNormal(nhwcShape, 0, 1, 'float32', 3);
  const ours = model.predict(x);
  const theirs = await runOnnx(bytes, toNchw(x));
  const expected = ours.rank === 4 ? toNchw(ours) : ours;
  expect(theirs.shape).toEqual(expected.shape);
  const diff = relativeDiff(theirs, expected);
  expect(diff).toBeLessThan(1e-4);
  tf.dispose([x, ours, theirs, expected]);
  return diff;
}

class Custom extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}

describe('exportOnnx: layers', () => {
  it('grouped, dilated, strided convs; asymmetric tf-same padding; reflect padding; pools with ceil mode and count_include_pad', async () => {
    const model = new Sequential(
      new Conv2d(4, 8, 3, { padding: 2, dilation: 2, groups: 2, generator: 1 }),
      new BatchNorm2d(8),
      new ReLU6(),
      new Conv2d(8, 8, 3, { stride: 2, padding: 'tf-same', groups: 8, generator: 2 }),
      new Hardswish(),
      new Conv2d(8, 6, 3, { padding: 1, paddingMode: 'reflect', generator: 3 }),
      new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true }),
      new GELU(),
      new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }),
      new Tanh(),
      new AdaptiveAvgPool2d([3, 2]),
    );
    // Random running statistics so the norm does something.
    const bn = model.at(1) as BatchNorm2d;
    bn.runningMean?.assign(tf.randomNormal([8], 0, 1, 'float32', 4));
    bn.runningVar?.assign(tf.randomUniform([8], 0.5, 2, 'float32', 5));
    await expectSame(model, [2, 13, 11, 4]);
    await expectSame(model, [2, 13, 11, 4], { foldBatchNorm: true });
  });

  it('a Linear after a flattened map gets its weight reordered to C,H,W', async () => {
    const model = new Sequential(
      new Conv2d(3, 4, 3, { generator: 1 }),
      new Flatten(),
      new Dropout(0.5),
      new Linear(4 * 5 * 6, 7, { generator: 2 }),
    );
    await expectSame(model, [3, 7, 8, 3]);
  });

  it('NHWC input: a Transpose at the input, and back at a 4-D output', async () => {
    const model = new Sequential(new Conv2d(3, 5, 3, { padding: 1, generator: 1 }));
    const bytes = await exportOnnx(model, { inputShape: [1, 6, 6, 3], inputLayout: 'nhwc' });
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1);
    expect(relativeDiff(await runOnnx(bytes, x), model.predict(x))).toBeLessThan(1e-5);
  });

  it('initializers carry the state-dict names; a static batch when asked', async () => {
    const model = createModel('resnet18', { seed: 0, numClasses: 4 });
    const bytes = await exportOnnx(model, { inputShape: [2, 3, 32, 32], dynamicBatch: false });
    const text = new TextDecoder('latin1').decode(bytes);
    for (const key of ['conv1.weight', 'layer1.0.conv1.weight', 'layer4.1.bn2.running_var', 'fc.bias']) expect(text).toContain(key);
    expect(text).not.toContain('num_batches_tracked');
    await expect(runOnnx(bytes, tf.zeros([3, 3, 32, 32]))).rejects.toThrow();
    model.dispose();
  });
});

describe('exportOnnx: models as users have them', () => {
  it('after fine-tuning (frozen backbone, new 10-class head) gives the new head', async () => {
    const model = createModel('resnet18', { seed: 0 });
    model.freezeBackbone();
    model.resetClassifier(10, 5);
    const diff = await expectSame(model, [3, 32, 32, 3]);
    expect(diff).toBeLessThan(1e-4);
    model.dispose();
  });

  it('a model in training mode is exported in eval mode, and stays in training mode', async () => {
    const model = createModel('efficientnet_b0', { seed: 0, numClasses: 5 });
    model.train();
    const [n, h] = [2, 32];
    const bytes = await exportOnnx(model, { inputShape: [n, 3, h, h] });
    expect(model.training).toBe(true);
    expect(model.namedModules().every(([, m]) => m.training)).toBe(true);
    const x = tf.randomNormal([n, h, h, 3], 0, 1, 'float32', 2);
    expect(relativeDiff(await runOnnx(bytes, toNchw(x)), model.predict(x))).toBeLessThan(1e-4);
    model.dispose();
  });
});

describe('exportOnnx: bad input is a typed error naming the place', () => {
  it('an unsupported module names its path', async () => {
    const model = new Sequential(new Conv2d(3, 3, 1), new Sequential(new Custom()));
    const error = await exportOnnx(model, { inputShape: [1, 3, 4, 4] }).catch((e) => e);
    expect(error).toBeInstanceOf(UnsupportedModuleError);
    expect(error).toBeInstanceOf(ConvkitError);
    expect(error.modulePath).toBe('1.0');
    expect(error.message).toContain("'1.0' (Custom)");
  });

  it('a shape that does not fit names the module and the shapes', async () => {
    const model = createModel('resnet18', { seed: 0 });
    const channels = await exportOnnx(model, { inputShape: [1, 4, 32, 32] }).catch((e) => e);
    expect(channels).toBeInstanceOf(ShapeError);
    expect(channels.message).toMatch(/module 'conv1'.*3 channels.*\[1,4,32,32\]/);
    const vgg = createModel('vgg11', { seed: 0, numClasses: 2 });
    const small = await exportOnnx(vgg, { inputShape: [1, 3, 16, 16] }).catch((e) => e);
    expect(small).toBeInstanceOf(ShapeError);
    expect(small.message).toContain("module 'features.");
    await expect(exportOnnx(model, { inputShape: [1, 3, 32] })).rejects.toThrow(OptionError);
    model.dispose();
    vgg.dispose();
  });

  it('an opset below 13 (or above 17) is refused', async () => {
    const model = new Sequential(new Conv2d(3, 3, 1));
    await expect(exportOnnx(model, { inputShape: [1, 3, 4, 4], opset: 12 })).rejects.toThrow(
      /opset: expected an integer from 13 to 17, got 12/,
    );
    await expect(exportOnnx(model, { inputShape: [1, 3, 4, 4], opset: 18 })).rejects.toThrow(OptionError);
    const bytes = await exportOnnx(model, { inputShape: [1, 3, 4, 4], opset: 13 });
    if (checkerAvailable()) checkModel(bytes);
  });

  it('no tensor is left behind, even when the export fails', async () => {
    const model = createModel('googlenet', { seed: 0, transformInput: true, numClasses: 3 });
    const before = tf.memory().numTensors;
    await exportOnnx(model, { inputShape: [1, 3, 64, 64], foldBatchNorm: true });
    await exportOnnx(model, { inputShape: [1, 3, 8, 8] }).catch(() => undefined);
    expect(tf.memory().numTensors).toBe(before);
    await expectSame(model, [1, 64, 64, 3], { foldBatchNorm: true });
    model.dispose();
  });
});

describe('toOnnxRuntime (onnxruntime-node)', () => {
  it.each([
    ['resnet18', 32],
    ['vgg11', 32],
    ['googlenet', 64],
    ['efficientnet_b0', 32],
  ])(
    '%s: same top-1 and logits within 1e-4 of convkit',
    async (name, size) => {
      const model = createModel(name as string, { seed: 1, numClasses: 20 });
      if (name === 'googlenet') heScaledConvs(model);
      const predictor = await toOnnxRuntime(model, { inputShape: [1, size as number, size as number, 3] });
      const x = tf.randomNormal([3, size as number, size as number, 3], 0, 1, 'float32', 9);
      const before = tf.memory().numTensors;
      const theirs = await predictor.predict(x);
      expect(tf.memory().numTensors).toBe(before + 1);
      const ours = model.predict(x);
      expect(await inputDependence(ours), 'logits that change with the input').toBeGreaterThan(1e-2);
      expect(relativeDiff(theirs, ours)).toBeLessThan(1e-4);
      expect(Array.from(tf.argMax(theirs, 1).dataSync())).toEqual(Array.from(tf.argMax(ours, 1).dataSync()));
      await expect(predictor.predict(tf.zeros([1, 8, 8, 3]))).rejects.toThrow(ShapeError);
      await predictor.dispose();
      model.dispose();
    },
    300_000,
  );

  it('without the onnxruntime package: a typed error naming the package to install', async () => {
    const error = await importRuntime('onnxruntime-not-installed').catch((e) => e);
    expect(error).toBeInstanceOf(MissingPeerError);
    expect(error.packageName).toBe('onnxruntime-not-installed');
    expect(error.message).toContain('npm i onnxruntime-not-installed');
  });
});
