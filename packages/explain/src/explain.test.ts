import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { Module, OptionError, ShapeError, skipInit, UnknownNameError } from '@convkit/core';
import { createModel, listModels, smallCnn } from '@convkit/models';
import { describe, expect, it } from 'vitest';
import { defaultCamLayer, featureMaps, gradCam } from './index';

describe('featureMaps and gradCam on the small CNN', () => {
  const model = smallCnn({ seed: 1 });
  const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 2) as tf.Tensor4D;

  it('returns NHWC maps of inner modules, a BatchNorm that evaluation folds included, and restores modes', () => {
    model.train();
    model.getModule('classifier').eval();
    const before = tf.memory().numTensors;
    const maps = featureMaps(model, x, ['features.1', 'features', 'features.1']);
    expect(Object.keys(maps).sort()).toEqual(['features', 'features.1']);
    expect(maps['features.1'].shape).toEqual([2, 28, 28, 32]);
    expect(maps.features.shape).toEqual([2, 7, 7, 64]);
    // features.2 is the ReLU after that BatchNorm: a 1-to-1 check that the map is the BatchNorm's own output.
    const relu = featureMaps(model, x, ['features.2'])['features.2'];
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(relu, tf.relu(maps['features.1'])))).dataSync()[0])).toBe(0);
    tf.dispose([relu, ...Object.values(maps)]);
    expect(tf.memory().numTensors).toBe(before);
    expect(model.training).toBe(true);
    expect(model.getModule('classifier').training).toBe(false);
    expect(Module.tracing).toBe(false);
    model.eval();
  });

  it('Grad-CAM gives each image its top class, a [N,H,W] map in [0,1] peaking at 1, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    for (const method of ['gradcam', 'gradcam++'] as const) {
      const { heatmap, classIndex, logits } = gradCam(model, x, { method });
      expect(heatmap.shape).toEqual([2, 28, 28]);
      expect(classIndex).toEqual(tf.tidy(() => Array.from(tf.argMax(logits, 1).dataSync())));
      const [peaks, low] = tf.tidy(() => [tf.max(heatmap, [1, 2]).dataSync(), tf.min(heatmap).dataSync()[0]] as const);
      for (const p of peaks) expect(p === 0 || Math.abs(p - 1) < 1e-6, `peak ${p}`).toBe(true);
      expect(low).toBeGreaterThanOrEqual(0);
      tf.dispose([heatmap, logits]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad input gets typed errors naming the place, and nothing is left patched or allocated', () => {
    const before = tf.memory().numTensors;
    expect(() => featureMaps(model, x, ['features.9'])).toThrow(UnknownNameError);
    expect(() => featureMaps(model, x, ['featurs'])).toThrow(/did you mean 'features'/);
    expect(() => featureMaps(model, x, [])).toThrow(OptionError);
    const image = tf.zeros([28, 28, 1]);
    expect(() => featureMaps(model, image as unknown as tf.Tensor4D, ['features'])).toThrow(ShapeError);
    image.dispose();
    // The classifier's output is [N,classes], not a feature map.
    expect(() => featureMaps(model, x, ['classifier'])).toThrow(/expected a 4-D NHWC feature map/);
    expect(() => gradCam(model, x, { layer: 'classifier.0' })).toThrow(ShapeError);
    expect(() => gradCam(model, x, { classIndex: 10 })).toThrow(/classIndex: expected integers in \[0, 9\], got 10/);
    expect(() => gradCam(model, x, { classIndex: [1] })).toThrow(/one class per image \(2\), got 1/);
    expect(() => gradCam(model, x, { method: 'cam' as 'gradcam' })).toThrow(OptionError);
    expect(tf.memory().numTensors).toBe(before);
    expect(Module.tracing).toBe(false);
    expect(Object.hasOwn(model.getModule('classifier'), 'forward')).toBe(false);
  });
});

describe('a module that does not run', () => {
  it("is an error, not a blank map: ResNet's BasicBlock applies its ReLUs inline", () => {
    const model = skipInit(() => createModel('resnet18'));
    const x = tf.randomNormal([1, 32, 32, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => featureMaps(model, x, ['layer1.0.relu', 'layer1.0.bn1'])).toThrow(/'layer1.0.relu' did not run/);
    expect(() => gradCam(model, x, { layer: 'layer1.0.relu' })).toThrow(OptionError);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    model.dispose();
  });
});

describe('defaultCamLayer', () => {
  it('names an existing module for every model of the registry', () => {
    for (const { name } of listModels()) {
      const model = skipInit(() => createModel(name));
      expect(() => model.getModule(defaultCamLayer(model)), name).not.toThrow();
      model.dispose();
    }
  }, 120_000);

  it("is each family's last convolutional stage", () => {
    const layers = Object.fromEntries(
      ['resnet18', 'vgg11', 'googlenet', 'efficientnet_b0', 'mobilenet_v2', 'mnasnet0_5', 'shufflenet_v2_x0_5', 'squeezenet1_1'].map(
        (name) => {
          const model = skipInit(() => createModel(name));
          const layer = defaultCamLayer(model);
          model.dispose();
          return [name, layer];
        },
      ),
    );
    expect(layers).toEqual({
      resnet18: 'layer4',
      vgg11: 'features',
      googlenet: 'inception5b',
      efficientnet_b0: 'features',
      mobilenet_v2: 'features',
      mnasnet0_5: 'layers',
      shufflenet_v2_x0_5: 'conv5',
      squeezenet1_1: 'features',
    });
    expect(defaultCamLayer(smallCnn())).toBe('features');
  });

  it('runs, and gives a feature map, in one model of each family', () => {
    const x = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const families = new Map(listModels().map((m) => [`${m.source} ${m.family}`, m.name]));
    for (const name of [...families.values(), 'timm/mobilenetv4_conv_small']) {
      const model = skipInit(() => createModel(name));
      const { heatmap, logits } = gradCam(model, x);
      expect(heatmap.shape, name).toEqual([1, 64, 64]);
      tf.dispose([heatmap, logits]);
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  }, 300_000);

  it('an unknown model type asks for options.layer', () => {
    const features = smallCnn().features;
    expect(() => defaultCamLayer(features)).toThrow(OptionError);
    expect(() => defaultCamLayer(features)).toThrow(/no default Grad-CAM layer for a 'Sequential'.*pass options.layer/);
  });
});
