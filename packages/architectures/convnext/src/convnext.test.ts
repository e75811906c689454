import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { OptionError, skipInit } from '@convkit/core';
import { Conv2d, GELU, Identity, LayerNorm, LayerNorm2d, Linear } from '@convkit/layers';
import { describe, expect, it } from 'vitest';
import { describeArchitectures, torchAvailable } from '@convkit/test-utils/node';
import { CNBlock, ConvNeXt, convnext_base, convnext_large, convnext_small, convnext_tiny, convnextNames, convnextWeights } from './index';

// 32 px is the smallest input: a stride-4 stem and three 2× downsamplings leave 1×1 in the last stage.
// A dropped residual branch gets no gradient, and PyTorch's training step runs without stochastic depth.
describeArchitectures('ConvNeXt', [
  {
    name: 'convnext_tiny',
    build: () => convnext_tiny({ seed: 0, stochasticDepthProb: 0 }),
    params: 28_589_128,
    size: 32,
    trainSize: 32,
    gradients: true,
  },
]);

const bigger = [
  ['convnext_small', convnext_small, 50_223_688],
  ['convnext_base', convnext_base, 88_591_464],
  ['convnext_large', convnext_large, 197_767_336],
] as const;

/** torchvision's state-dict keys and shapes in tfjs layouts (uninitialised: no draws, no forward). */
function torchShapes(name: string): [string, number[]][] {
  const script = `
import json, torch, torchvision.models as m
for layer in (torch.nn.Conv2d, torch.nn.Linear):
    layer.reset_parameters = lambda self: None
torch.nn.init.trunc_normal_ = lambda t, **kw: t
model = m.get_model('${name}')
def tf(s):
    return [s[2], s[3], s[1], s[0]] if len(s) == 4 else [s[1], s[0]] if len(s) == 2 else s
print(json.dumps([[k, tf(list(v.shape))] for k, v in model.state_dict().items()]))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' }));
}

describe('ConvNeXt specifics', () => {
  it.each(bigger)('%s: parameter count, and the keys and shapes of torchvision', (name, build, params) => {
    const model = skipInit(() => build());
    expect(model.numParameters()).toBe(params);
    if (torchAvailable()) expect(Object.entries(model.stateDict()).map(([k, v]) => [k, v.shape])).toEqual(torchShapes(name));
    model.dispose();
  });

  it('block layout: depthwise 7×7, channels-last LayerNorm, Linear 4×, GELU, Linear back; layer_scale [C,1,1]', () => {
    const model = skipInit(() => convnext_tiny());
    const block = model.getModule('features.1.0') as CNBlock;
    expect(block).toBeInstanceOf(CNBlock);
    const types = block.block.children().map((m) => m.constructor);
    expect(types).toEqual([Conv2d, Identity, LayerNorm, Linear, GELU, Linear, Identity]);
    const dw = block.block.at(0) as Conv2d;
    expect([dw.kernelSize, dw.options.padding, dw.options.groups]).toEqual([[7, 7], 3, 96]);
    expect((block.block.at(2) as LayerNorm).eps).toBe(1e-6);
    expect((block.block.at(4) as GELU).approximate).toBe('none');
    const sd = model.stateDict();
    expect(sd['features.1.0.layer_scale'].shape).toEqual([96, 1, 1]);
    expect(sd['features.1.0.block.0.weight'].shape).toEqual([7, 7, 1, 96]);
    expect(sd['features.1.0.block.3.weight'].shape).toEqual([96, 384]);
    expect(model.getModule('features.0.1')).toBeInstanceOf(LayerNorm2d);
    expect(model.getModule('features.2.0')).toBeInstanceOf(LayerNorm2d);
    const down = model.getModule('features.2.1') as Conv2d;
    expect([down.kernelSize, down.options.stride, down.outChannels]).toEqual([[2, 2], 2, 192]);
    expect(model.getModule('classifier.0')).toBeInstanceOf(LayerNorm2d);
    model.dispose();
  });

  it("stochastic depth grows linearly to the builder's probability: p · i / (blocks − 1), row mode", () => {
    const model = skipInit(() => convnext_tiny());
    const blocks = model.namedModules().filter((e): e is [string, CNBlock] => e[1] instanceof CNBlock);
    expect(blocks).toHaveLength(18);
    blocks.forEach(([, b], i) => expect(b.stochasticDepth.p).toBeCloseTo((0.1 * i) / 17, 12));
    expect(blocks.every(([, b]) => b.stochasticDepth.mode === 'row')).toBe(true);
    model.dispose();
    // torchvision's defaults per size: 0.4 for small, 0.5 for base and large.
    for (const [build, p] of [
      [convnext_small, 0.4],
      [convnext_large, 0.5],
    ] as const) {
      const m = skipInit(() => build());
      expect((m.getModule('features.7.2') as CNBlock).stochasticDepth.p).toBeCloseTo(p, 12);
      m.dispose();
    }
  });

  it('initialises like torchvision: N(0, 0.02²) conv and linear weights, zero biases, layer_scale 1e-6, LayerNorm 1 and 0', () => {
    const model = convnext_tiny({ seed: 1 });
    const sd = model.stateDict();
    const read = (t: tf.Tensor) =>
      tf.tidy(() => [tf.max(tf.abs(t)), tf.sqrt(tf.moments(t).variance), tf.mean(t)].map((v) => v.dataSync()[0]));
    expect(read(sd['features.5.0.block.3.weight'])[1]).toBeCloseTo(0.02, 3);
    expect(read(sd['features.0.0.weight'])[1]).toBeCloseTo(0.02, 2);
    for (const key of ['features.0.0.bias', 'features.1.0.block.0.bias', 'features.1.0.block.5.bias', 'classifier.2.bias'])
      expect(read(sd[key])[0]).toBe(0);
    expect(read(sd['features.3.1.layer_scale'])).toEqual([expect.closeTo(1e-6, 12), 0, expect.closeTo(1e-6, 12)]);
    expect(read(sd['features.2.0.weight'])[2]).toBe(1);
    model.dispose();
  });

  it('stochastic depth drops whole branches per example in training, never in evaluation', () => {
    const block = new CNBlock(8, 1, 1, undefined);
    const x = tf.randomNormal([2, 5, 5, 8], 0, 1, 'float32', 4);
    block.train();
    const dropped = block.forward(x);
    expect(tf.max(tf.abs(tf.sub(dropped, x))).dataSync()[0]).toBe(0);
    block.eval();
    const kept = block.forward(x);
    expect(tf.max(tf.abs(tf.sub(kept, x))).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([x, dropped, kept]);
    block.dispose();
  });

  it('feature sizes: stride 32 overall, last-stage channels; resetClassifier, freezeBackbone; predict leaks nothing', () => {
    const model = convnext_tiny({ numClasses: 10, seed: 2 }).eval();
    expect(model.numClasses).toBe(10);
    const x = tf.zeros([1, 64, 64, 3]);
    const f = model.forwardFeatures(x);
    expect(f.shape).toEqual([1, 2, 2, 768]);
    const summary = model.summary([1, 64, 64, 3]);
    expect([summary.outputShape, summary.totalParams]).toEqual([[10], 28_589_128 - 1000 * 768 - 1000 + 10 * 768 + 10]);
    model.resetClassifier(3, 1);
    expect(model.numClasses).toBe(3);
    expect(model.stateDict()['classifier.2.weight'].shape).toEqual([768, 3]);
    expect(tf.max(tf.abs(model.stateDict()['classifier.2.bias'])).dataSync()[0]).toBe(0);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[768], [768], [768, 3], [3]]);
    const before = tf.memory().numTensors;
    const y = model.predict(x);
    expect(y.shape).toEqual([1, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, f]);
    model.dispose();
  });

  it('bad options throw OptionError naming the builder', () => {
    expect(() => convnext_tiny({ stochasticDepthProb: 1.5 })).toThrow(
      new OptionError('convnext_tiny', 'stochasticDepthProb must be in [0, 1], got 1.5'),
    );
    expect(() => convnext_base({ numClasses: 0 })).toThrow(
      new OptionError('convnext_base', 'numClasses must be a positive integer, got 0'),
    );
    expect(() => new ConvNeXt([])).toThrow(new OptionError('ConvNeXt', 'stages must not be empty'));
  });

  it("ships torchvision's IMAGENET1K_V1 entries as data", () => {
    expect(convnextNames).toEqual(['convnext_tiny', 'convnext_small', 'convnext_base', 'convnext_large']);
    expect(Object.keys(convnextWeights)).toEqual(convnextNames);
    expect(convnextWeights.convnext_tiny[0]).toMatchObject({
      fileName: 'convnext_tiny-983f1562.pth',
      sha256Prefix: '983f1562',
      numParams: 28_589_128,
      transforms: { resizeSize: 236, cropSize: 224, interpolation: 'bilinear' },
      metrics: { acc1: 82.52, acc5: 96.146 },
    });
    expect(convnextNames.map((n) => convnextWeights[n][0].transforms.resizeSize)).toEqual([236, 230, 232, 232]);
    expect(convnextNames.map((n) => convnextWeights[n][0].metrics.acc1)).toEqual([82.52, 83.616, 84.062, 84.414]);
  });
});
