import * as tf from '@tensorflow/tfjs-core';
import { UnknownNameError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { createModel, listModels, modelInfo } from './index';

// The published parameter counts of torchvision (its documentation), not our code's output.
const published: Record<string, number> = {
  vgg11: 132_863_336,
  vgg11_bn: 132_868_840,
  vgg13: 133_047_848,
  vgg13_bn: 133_053_736,
  vgg16: 138_357_544,
  vgg16_bn: 138_365_992,
  vgg19: 143_667_240,
  vgg19_bn: 143_678_248,
  googlenet: 6_624_904,
  resnet18: 11_689_512,
  resnet34: 21_797_672,
  resnet50: 25_557_032,
  resnet101: 44_549_160,
  resnet152: 60_192_808,
  efficientnet_b0: 5_288_548,
  efficientnet_b1: 7_794_184,
  efficientnet_b2: 9_109_994,
  efficientnet_b3: 12_233_232,
  efficientnet_b4: 19_341_616,
  efficientnet_b5: 30_389_784,
  efficientnet_b6: 43_040_704,
  efficientnet_b7: 66_347_960,
  mobilenet_v2: 3_504_872,
  mobilenet_v3_small: 2_542_856,
  mobilenet_v3_large: 5_483_032,
  mnasnet0_5: 2_218_512,
  mnasnet0_75: 3_170_208,
  mnasnet1_0: 4_383_312,
  mnasnet1_3: 6_282_256,
  squeezenet1_0: 1_248_424,
  squeezenet1_1: 1_235_496,
  shufflenet_v2_x0_5: 1_366_792,
  shufflenet_v2_x1_0: 2_278_604,
  shufflenet_v2_x1_5: 3_503_624,
  shufflenet_v2_x2_0: 7_393_996,
  efficientnet_v2_s: 21_458_488,
  efficientnet_v2_m: 54_139_356,
  efficientnet_v2_l: 118_515_272,
};

describe('@convkit/models', () => {
  it('lists the 22 course models (and more) with torchvision names, counts and input sizes', () => {
    const models = listModels();
    for (const [name, params] of Object.entries(published)) {
      expect(models.find((m) => m.name === name)?.params, name).toBe(params);
    }
    expect(modelInfo('efficientnet_b3').inputSize).toBe(300);
    expect([modelInfo('efficientnet_v2_s').inputSize, modelInfo('efficientnet_v2_l').inputSize]).toEqual([384, 480]);
    expect(modelInfo('resnet50').weights.map((w) => w.tag)).toEqual(['IMAGENET1K_V1', 'IMAGENET1K_V2']);
    // mobilenet_v3_large's V2 weights are evaluated at resize 232, crop 224.
    expect(modelInfo('mobilenet_v3_large').weights.map((w) => [w.tag, w.transforms.resizeSize])).toEqual([
      ['IMAGENET1K_V1', 256],
      ['IMAGENET1K_V2', 232],
    ]);
    expect(modelInfo('timm/mobilenetv3_large_100')).toMatchObject({ family: 'mobilenet', source: 'timm', params: 5_483_032 });
    // timm's MobileNetV4 (no torchvision twin): counts and sizes from timm's own numbers.
    expect(modelInfo('timm/mobilenetv4_conv_small')).toMatchObject({ params: 3_774_024, inputSize: 224 });
    expect(modelInfo('timm/mobilenetv4_conv_medium')).toMatchObject({ params: 9_715_512, inputSize: 256 });
  });

  it('createModel builds a model by name with options', () => {
    const model = createModel('resnet18', { numClasses: 7, seed: 1 });
    expect(model.numClasses).toBe(7);
    const x = tf.zeros([1, 32, 32, 3]);
    const y = model.predict(x);
    expect(y.shape).toEqual([1, 7]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('an unknown name is an error listing the known ones', () => {
    expect(() => createModel('resnet51')).toThrow(UnknownNameError);
    expect(() => createModel('resnet51')).toThrow(/unknown name 'resnet51'; known: vgg11, .*resnet50.*efficientnet_b7/);
    expect(() => modelInfo('alexnet')).toThrow(/known:/);
  });
});
