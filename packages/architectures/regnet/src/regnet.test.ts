import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { OptionError, skipInit } from '@convkit/core';
import { SqueezeExcitation } from '@convkit/layers';
import { describe, expect, it } from 'vitest';
import { describeArchitectures, torchAvailable } from '@convkit/test-utils/node';
import {
  AnyStage,
  blockParamsFromDesign,
  RegNet,
  type RegNetName,
  ResBottleneckBlock,
  regnetDesigns,
  regnetNames,
  regnetWeights,
  regnet_x_400mf,
  regnet_y_400mf,
} from './index';
import * as builders from './index';

// torchvision 0.14's parameter counts (each weights entry's meta["num_params"] in torchvision/models/regnet.py).
const published: Record<RegNetName, number> = {
  regnet_y_400mf: 4_344_144,
  regnet_y_800mf: 6_432_512,
  regnet_y_1_6gf: 11_202_430,
  regnet_y_3_2gf: 19_436_338,
  regnet_y_8gf: 39_381_472,
  regnet_y_16gf: 83_590_140,
  regnet_y_32gf: 145_046_770,
  regnet_y_128gf: 644_812_894,
  regnet_x_400mf: 5_495_976,
  regnet_x_800mf: 7_259_656,
  regnet_x_1_6gf: 9_190_136,
  regnet_x_3_2gf: 15_296_552,
  regnet_x_8gf: 39_572_648,
  regnet_x_16gf: 54_278_536,
  regnet_x_32gf: 107_811_560,
};

// The small members against PyTorch's forward (64 px: a 2×2 map after the four stages). The training
// step is chaotic on random weights for most draws: the reference's own float32 gradients are 1–25 %
// off its float64 ones at 56, 64, 96 and 128 px. 48 px is a draw where they agree to 6e-5, so the
// comparison measures this implementation rather than rounding.
describeArchitectures('RegNet', [
  { name: 'regnet_y_400mf', build: () => regnet_y_400mf({ seed: 0 }), params: published.regnet_y_400mf, size: 48, gradients: true },
  { name: 'regnet_x_400mf', build: () => regnet_x_400mf({ seed: 0 }), params: published.regnet_x_400mf, size: 64 },
]);

// torchvision's BlockParams.from_init_params for each builder (python3 -c "from torchvision.models.regnet import BlockParams …").
const torchvisionBlockParams: Record<RegNetName, { depths: number[]; widths: number[]; groupWidths: number[] }> = {
  regnet_y_400mf: { depths: [1, 3, 6, 6], widths: [48, 104, 208, 440], groupWidths: [8, 8, 8, 8] },
  regnet_y_800mf: { depths: [1, 3, 8, 2], widths: [64, 144, 320, 784], groupWidths: [16, 16, 16, 16] },
  regnet_y_1_6gf: { depths: [2, 6, 17, 2], widths: [48, 120, 336, 888], groupWidths: [24, 24, 24, 24] },
  regnet_y_3_2gf: { depths: [2, 5, 13, 1], widths: [72, 216, 576, 1512], groupWidths: [24, 24, 24, 24] },
  regnet_y_8gf: { depths: [2, 4, 10, 1], widths: [224, 448, 896, 2016], groupWidths: [56, 56, 56, 56] },
  regnet_y_16gf: { depths: [2, 4, 11, 1], widths: [224, 448, 1232, 3024], groupWidths: [112, 112, 112, 112] },
  regnet_y_32gf: { depths: [2, 5, 12, 1], widths: [232, 696, 1392, 3712], groupWidths: [232, 232, 232, 232] },
  regnet_y_128gf: { depths: [2, 7, 17, 1], widths: [528, 1056, 2904, 7392], groupWidths: [264, 264, 264, 264] },
  regnet_x_400mf: { depths: [1, 2, 7, 12], widths: [32, 64, 160, 400], groupWidths: [16, 16, 16, 16] },
  regnet_x_800mf: { depths: [1, 3, 7, 5], widths: [64, 128, 288, 672], groupWidths: [16, 16, 16, 16] },
  regnet_x_1_6gf: { depths: [2, 4, 10, 2], widths: [72, 168, 408, 912], groupWidths: [24, 24, 24, 24] },
  regnet_x_3_2gf: { depths: [2, 6, 15, 2], widths: [96, 192, 432, 1008], groupWidths: [48, 48, 48, 48] },
  regnet_x_8gf: { depths: [2, 5, 15, 1], widths: [80, 240, 720, 1920], groupWidths: [80, 120, 120, 120] },
  regnet_x_16gf: { depths: [2, 6, 13, 1], widths: [256, 512, 896, 2048], groupWidths: [128, 128, 128, 128] },
  regnet_x_32gf: { depths: [2, 7, 13, 1], widths: [336, 672, 1344, 2520], groupWidths: [168, 168, 168, 168] },
};

/** torchvision's state-dict keys and shapes (tfjs layouts) without materialising the weights: init is skipped. */
function torchvisionShapes(names: string[]): Record<string, [string, number[]][]> {
  const script = `
import json, sys
import torch.nn.init as I
for f in ['kaiming_uniform_', 'uniform_', 'normal_', 'ones_', 'zeros_']:
    setattr(I, f, lambda t, *a, **k: t)
import torchvision.models as tvm
def tf_shape(s):
    return [s[2], s[3], s[1], s[0]] if len(s) == 4 else [s[1], s[0]] if len(s) == 2 else s
out = {n: [[k, tf_shape(list(v.shape))] for k, v in tvm.get_model(n).state_dict().items()] for n in sys.argv[1:]}
print(json.dumps(out))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, ...names], { maxBuffer: 64 << 20 }).toString());
}

describe('RegNet specifics', () => {
  it("stage depths, widths and group widths are torchvision's BlockParams for all 15", () => {
    expect(regnetNames).toEqual(Object.keys(published));
    for (const name of regnetNames) {
      const { depths, widths, groupWidths, seRatio } = blockParamsFromDesign(regnetDesigns[name]);
      expect({ depths, widths, groupWidths }, name).toEqual(torchvisionBlockParams[name]);
      expect(seRatio, name).toBe(name.startsWith('regnet_y') ? 0.25 : undefined);
    }
  });

  it('the other 13 members: parameter counts, then state-dict keys and shapes against torchvision', () => {
    const large = regnetNames.filter((n) => !['regnet_y_400mf', 'regnet_x_400mf'].includes(n));
    const theirs = torchAvailable() ? torchvisionShapes(large) : null;
    for (const name of large) {
      const model = skipInit(() => (builders[name] as () => RegNet)());
      expect(model.numParameters(), name).toBe(published[name]);
      if (theirs) expect(Object.entries(model.stateDict()).map(([k, v]) => [k, v.shape])).toEqual(theirs[name]);
      model.dispose();
    }
  }, 60_000);

  it('Y blocks: SE on the bottleneck with a quarter of the block input width; X blocks: none', () => {
    const y = skipInit(() => regnet_y_400mf());
    const block = y.getModule('trunk_output.block2.block2-0') as ResBottleneckBlock;
    const se = block.f.se as SqueezeExcitation;
    expect(se).toBeInstanceOf(SqueezeExcitation);
    // block2 takes 48 channels: round(0.25 · 48) = 12 squeeze channels on the 104-wide bottleneck.
    expect([se.fc1.inChannels, se.fc1.outChannels]).toEqual([104, 12]);
    // 104 / group width 8 = 13 groups.
    expect(y.stateDict()['trunk_output.block2.block2-0.f.b.0.weight'].shape).toEqual([3, 3, 8, 104]);
    expect(block.proj).not.toBeNull();
    expect((y.getModule('trunk_output.block2.block2-1') as ResBottleneckBlock).proj).toBeNull();
    expect(y.getModule('trunk_output.block2')).toBeInstanceOf(AnyStage);
    y.dispose();
    const x = skipInit(() => regnet_x_400mf());
    expect(x.namedModules().some(([, m]) => m instanceof SqueezeExcitation)).toBe(false);
    x.dispose();
  });

  it('initialises like torchvision: N(0, 2/fanOut) convs, BN γ=1 β=0, fc N(0, 0.01) and zero bias', () => {
    const model = regnet_y_400mf({ seed: 1 });
    const sd = model.stateDict();
    const std = (t: tf.Tensor) => tf.tidy(() => Math.sqrt(tf.moments(t).variance.dataSync()[0]));
    const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);
    // block4's 1×1 `c` conv: fanOut = 1·1·440.
    expect(std(sd['trunk_output.block4.block4-0.f.c.0.weight'])).toBeCloseTo(Math.sqrt(2 / 440), 3);
    // Grouped 3×3: fanOut = 9·208, not divided by the groups (torchvision's formula).
    expect(std(sd['trunk_output.block3.block3-1.f.b.0.weight'])).toBeCloseTo(Math.sqrt(2 / (9 * 208)), 3);
    expect(std(sd['fc.weight'])).toBeCloseTo(0.01, 3);
    expect(maxAbs(sd['fc.bias'])).toBe(0);
    expect(maxAbs(tf.sub(sd['stem.1.weight'], 1))).toBe(0);
    expect(maxAbs(sd['stem.1.bias'])).toBe(0);
    // The SE convs keep PyTorch's default bias (torchvision only re-initialises weights): not zero.
    expect(maxAbs(sd['trunk_output.block1.block1-0.f.se.fc1.bias'])).toBeGreaterThan(0);
    model.dispose();
  });

  it('forwardFeatures is the last stage at /32; resetClassifier, freezeBackbone; predict leaks nothing', () => {
    const model = regnet_y_400mf({ numClasses: 10, seed: 2 }).eval();
    expect(model.numClasses).toBe(10);
    const x = tf.zeros([1, 64, 64, 3]);
    const f = model.forwardFeatures(x);
    expect(f.shape).toEqual([1, 2, 2, 440]);
    f.dispose();
    model.resetClassifier(3, 1);
    expect(model.numClasses).toBe(3);
    expect(model.stateDict()['fc.weight'].shape).toEqual([440, 3]);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[440, 3], [3]]);
    const before = tf.memory().numTensors;
    model.predict(x).dispose();
    model.predict(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('bad options and designs throw OptionError naming the place', () => {
    expect(() => regnet_y_400mf({ numClasses: 0 })).toThrow(
      new OptionError('regnet_y_400mf', 'numClasses must be a positive integer, got 0'),
    );
    expect(() => regnet_x_400mf({ stemWidth: 1.5 })).toThrow(
      new OptionError('regnet_x_400mf', 'stemWidth must be a positive integer, got 1.5'),
    );
    expect(() => new RegNet({ depth: 4, w0: 20, wa: 8, wm: 2, groupWidth: 8 })).toThrow(OptionError);
  });

  it('ships torchvision weights entries as data: V1 at 256 → 224, V2 at 232 → 224 bilinear, SWAG at 384 bicubic', () => {
    expect(Object.keys(regnetWeights)).toEqual(regnetNames);
    const [v1, v2] = regnetWeights.regnet_y_400mf;
    expect(v1).toMatchObject({ tag: 'IMAGENET1K_V1', fileName: 'regnet_y_400mf-c65dace8.pth', numParams: 4_344_144 });
    expect(v1.transforms).toMatchObject({ resizeSize: 256, cropSize: 224, interpolation: 'bilinear' });
    expect(v2).toMatchObject({ tag: 'IMAGENET1K_V2', fileName: 'regnet_y_400mf-e6988f5f.pth', metrics: { acc1: 75.804, acc5: 92.742 } });
    expect(v2.transforms).toMatchObject({ resizeSize: 232, cropSize: 224, interpolation: 'bilinear' });
    expect(regnetWeights.regnet_y_128gf.map((e) => e.tag)).toEqual(['IMAGENET1K_SWAG_E2E_V1', 'IMAGENET1K_SWAG_LINEAR_V1']);
    expect(regnetWeights.regnet_y_128gf[0].transforms).toMatchObject({ resizeSize: 384, cropSize: 384, interpolation: 'bicubic' });
    for (const name of regnetNames) for (const e of regnetWeights[name]) expect(e.numParams, name).toBe(published[name]);
  });
});
