import * as tf from '@tensorflow/tfjs-core';
import { skipInit } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { createModel, modelsMatchingKeys } from './index';

/** A model's state-dict keys with their (tfjs) shapes, as a checkpoint of it would have them. */
function shapesOf(name: string, options: Record<string, unknown> = {}): Record<string, number[]> {
  const model = skipInit(() => createModel(name, options));
  const shapes = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape]));
  model.dispose();
  return shapes;
}

describe('modelsMatchingKeys', () => {
  it('names the models a state dict fits, by keys and sizes, and leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const resnet50 = shapesOf('resnet50');
    // timm's resnet50 is torchvision's architecture: same keys, same shapes. Every model is a candidate.
    expect(modelsMatchingKeys(resnet50)).toEqual([
      { name: 'resnet50', exact: true },
      { name: 'timm/resnet50', exact: true },
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("keys alone do not tell widths apart: resnext50_32x4d and wide_resnet50_2 have resnet50's keys", () => {
    const keys = Object.keys(shapesOf('resnet50'));
    expect(modelsMatchingKeys(keys, { family: 'resnet' }).map((f) => f.name)).toEqual([
      'resnet50',
      'resnext50_32x4d',
      'wide_resnet50_2',
      'timm/resnet50',
    ]);
  });

  it('a checkpoint fine-tuned for 10 classes fits with exact: false; PyTorch-layout shapes count the same', () => {
    const shapes = { ...shapesOf('resnet50'), 'fc.weight': [10, 2048], 'fc.bias': [10] };
    expect(modelsMatchingKeys(shapes, { source: 'torchvision', family: 'resnet' })).toEqual([{ name: 'resnet50', exact: false }]);
    // A backbone tensor of another size is no fit at all.
    expect(modelsMatchingKeys({ ...shapes, 'conv1.weight': [64, 3, 3, 3] }, { family: 'resnet' })).toEqual([]);
  });

  it("takes checkpoints as loading does: no num_batches_tracked, a module. prefix, GoogLeNet's aux heads", () => {
    const old = Object.fromEntries(
      Object.entries(shapesOf('resnet18'))
        .filter(([k]) => !k.endsWith('num_batches_tracked'))
        .map(([k, s]) => [`module.${k}`, s]),
    );
    expect(modelsMatchingKeys(old, { source: 'torchvision', family: 'resnet' })).toEqual([{ name: 'resnet18', exact: true }]);
    const withAux = shapesOf('googlenet', { auxLogits: true });
    expect(Object.keys(withAux).some((k) => k.startsWith('aux1.'))).toBe(true);
    expect(modelsMatchingKeys(withAux, { family: 'googlenet' })).toEqual([{ name: 'googlenet', exact: true }]);
    expect(modelsMatchingKeys({ 'features.0.weight': [64, 3, 3, 3] })).toEqual([]);
  });
});
