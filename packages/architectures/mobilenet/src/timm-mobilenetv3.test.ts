// timm's MobileNetV3s by their own names, checked against what real timm builds and computes
// (__fixtures__/timm-ref, written by its generate.py with timm's own code; see its README).
import * as tf from '@tensorflow/tfjs-core';
import { OptionError, UnknownNameError } from '@convkit/core';
import { Linear } from '@convkit/layers';
import { BatchNorm2d } from '@convkit/regularization';
import { describe, expect, it } from 'vitest';
import { convkitShape, readTimmRef, timmInput, timmLogitsDiff, timmStateDict } from '@convkit/test-utils/timm';
import { type TimmMobileNetV3Name, timmMobilenetv3, timmMobilenetv3Names, timmMobilenetv3Weights } from './index';

const dir = new URL('__fixtures__/timm-ref/', import.meta.url).pathname;
const refs = timmMobilenetv3Names.map((name) => ({ ...readTimmRef(dir, name), model: name }));
describe("timm's MobileNetV3s (against timm's own numbers)", () => {
  it.each(refs)('timm/$model: state-dict keys in timm order, shapes, parameter and feature counts', (ref) => {
    const model = timmMobilenetv3(ref.model, { seed: 0 });
    try {
      const own = Object.entries(model.stateDict());
      expect(own.map(([k]) => k)).toEqual(ref.keys.map(([k]) => k));
      for (const [i, [key, shape]] of ref.keys.entries()) expect(own[i][1].shape, key).toEqual(convkitShape(shape));
      expect(model.numParameters()).toBe(ref.num_parameters);
      expect(model.numFeatures).toBe(ref.num_features);
      // The classifier reads timm's head_hidden_size, after conv_head.
      expect(model.classifier.inFeatures).toBe(ref.keys.find(([k]) => k === 'classifier.weight')?.[1][1]);
    } finally {
      model.dispose();
    }
  });

  it.each(refs)("timm/$model: timm's weights load under timm's names and give timm's logits", (ref) => {
    const model = timmMobilenetv3(ref.model, { seed: 0 });
    const state = timmStateDict(dir, ref);
    try {
      model.loadStateDict(state);
      model.eval();
      for (const c of ref.cases ?? []) {
        const h = c.input_nchw[2];
        const logits = tf.tidy(() => model.predict(timmInput(c)));
        const diff = timmLogitsDiff(logits, c);
        console.log(
          `timm/${ref.model} @${h}px: max |diff| / max |logit| = ${diff.toExponential(2)} (timm float32 vs float64: ${c.float32_vs_float64.toExponential(2)})`,
        );
        expect(diff).toBeLessThan(1e-4);
        logits.dispose();
      }
      // Later predicts reuse the folded weights and leave memory where it was.
      const before = tf.memory().numTensors;
      const again = tf.tidy(() => model.predict(tf.zeros([1, 64, 64, 3])));
      again.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      tf.dispose(Object.values(state));
      model.dispose();
    }
  });

  it("catalog entries follow timm's pretrained_cfg: hub id, url, resize ⌊size / crop_pct⌋, crop, interpolation, mean, std", () => {
    for (const ref of refs) {
      const cfg = ref.pretrained_cfg;
      const entry = timmMobilenetv3Weights[ref.model]?.find((w) => w.hubId === cfg.hf_hub_id);
      expect(entry, ref.model).toBeDefined();
      expect(entry?.url).toBe(cfg.url);
      expect(entry?.numParams).toBe(ref.num_parameters);
      const size = cfg.input_size[1];
      expect(entry?.transforms).toEqual({
        resizeSize: Math.floor(size / cfg.crop_pct),
        cropSize: size,
        interpolation: cfg.interpolation,
        mean: cfg.mean,
        std: cfg.std,
      });
    }
  });
});

describe("timm's MobileNetV3s", () => {
  it("timm's BatchNorm (PyTorch defaults), SE and head layout", () => {
    const model = timmMobilenetv3('mobilenetv3_large_100', { seed: 1 });
    const norms = model.namedModules().filter(([, m]) => m instanceof BatchNorm2d) as [string, BatchNorm2d][];
    expect(norms.every(([, bn]) => bn.eps === 1e-5 && bn.momentum === 0.1)).toBe(true);
    const sd = model.stateDict();
    expect(sd['blocks.2.0.se.conv_reduce.weight'].shape).toEqual([1, 1, 72, 24]);
    expect(sd['conv_head.weight'].shape).toEqual([1, 1, 960, 1280]);
    expect(sd['conv_head.bias'].shape).toEqual([1280]);
    expect(model.headHiddenSize).toBe(1280);
    const x = tf.zeros([1, 224, 224, 3]);
    model.eval();
    const f = model.forwardFeatures(x);
    expect(f.shape).toEqual([1, 7, 7, 960]);
    tf.dispose([x, f]);
    model.dispose();
  });

  it('the head swap reads as in PyTorch; resetClassifier, freezeBackbone; predict leaks nothing', () => {
    const model = timmMobilenetv3('mobilenetv3_small_100', { seed: 2 });
    model.classifier = new Linear(model.classifier.inFeatures, 10, { generator: 1 });
    expect(model.numClasses).toBe(10);
    expect(model.stateDict()['classifier.weight'].shape).toEqual([1024, 10]);
    model.resetClassifier(3);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[1024, 3], [3]]);
    const x = tf.zeros([1, 35, 35, 3]);
    const before = tf.memory().numTensors;
    const y = model.predict(x);
    expect(y.shape).toEqual([1, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('training-mode forward: gradients reach every parameter', () => {
    const model = timmMobilenetv3('mobilenetv3_small_100', { seed: 3 }).train();
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.forward(x))) as tf.Scalar);
    const named = model.namedParameters();
    expect(named.filter(([, v]) => !grads[v.name]).map(([k]) => k)).toEqual([]);
    tf.dispose([x, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('names, unknown names and bad options', () => {
    expect(timmMobilenetv3Names).toEqual(['mobilenetv3_large_100', 'mobilenetv3_small_100']);
    expect(Object.keys(timmMobilenetv3Weights)).toEqual(timmMobilenetv3Names);
    expect(timmMobilenetv3Weights.mobilenetv3_small_100?.[0]).toMatchObject({ tag: 'lamb_in1k', sha256Prefix: '266a294c' });
    expect(() => timmMobilenetv3('mobilenetv3_large_075' as TimmMobileNetV3Name)).toThrow(UnknownNameError);
    expect(() => timmMobilenetv3('mobilenetv3_large_100', { dropout: 2 })).toThrow(OptionError);
  });
});
