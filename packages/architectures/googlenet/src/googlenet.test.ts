import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Dropout } from '@convkit/regularization';
import { describe, expect, it } from 'vitest';
import { describeArchitectures, torchAvailable, torchReference } from '@convkit/test-utils/node';
import { type GoogLeNet, googlenet, googlenetNames, googlenetWeights } from './index';

/**
 * `forward` returns the main logits only, so the aux heads would get no gradient in the suite's
 * train-mode check; this test-only view concatenates all three outputs in training.
 */
function withAuxOutputs(model: GoogLeNet): GoogLeNet {
  model.forward = (x) =>
    tf.tidy(() => {
      const { logits, aux1, aux2 } = model.forwardWithAux(x);
      return aux1 && aux2 ? tf.concat([logits, aux1, aux2], 1) : logits;
    });
  return model;
}

describeArchitectures('GoogLeNet', [
  { name: 'googlenet', build: () => googlenet({ seed: 0 }), params: 6_624_904, size: 64 },
  { name: 'googlenet', build: () => googlenet({ seed: 0 }), params: 6_624_904, size: 57, trainSize: 57 },
  {
    name: 'googlenet',
    build: () => withAuxOutputs(googlenet({ seed: 0, auxLogits: true })),
    params: 13_004_888,
    size: 64,
    extra: ['--aux'],
  },
  {
    name: 'googlenet',
    build: () => googlenet({ seed: 0, transformInput: true }),
    params: 6_624_904,
    size: 64,
    extra: ['--transform-input'],
  },
]);

const ROOT = new URL('../../../..', import.meta.url).pathname;

describe('GoogLeNet specifics', () => {
  it('ceil-mode pools: feature-map sizes match torchvision', () => {
    const model = googlenet({ seed: 1 }).eval();
    // From torchvision: 224 → 7, 100 → 3, 57 → 2, 33 → 1 (floor-mode pools would give 6, 2, 1, 0).
    for (const [size, out] of [
      [224, 7],
      [100, 3],
      [57, 2],
      [33, 1],
    ]) {
      const x = tf.zeros([1, size, size, 3]);
      const f = model.forwardFeatures(x);
      expect(f.shape).toEqual([1, out, out, 1024]);
      tf.dispose([x, f]);
    }
    model.dispose();
  });

  it('aux outputs only in training mode and only with auxLogits; forward gives the main logits', () => {
    const model = googlenet({ seed: 2, auxLogits: true, numClasses: 7 });
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1);
    const before = tf.memory().numTensors;
    const train = model.train().forwardWithAux(x);
    expect([train.logits.shape, train.aux1?.shape, train.aux2?.shape]).toEqual([
      [2, 7],
      [2, 7],
      [2, 7],
    ]);
    const evalOut = model.eval().forwardWithAux(x);
    expect([evalOut.aux1, evalOut.aux2]).toEqual([null, null]);
    const logits = model.forward(x);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(logits, evalOut.logits))).dataSync()[0])).toBe(0);
    tf.dispose([train.logits, train.aux1 as tf.Tensor, train.aux2 as tf.Tensor, evalOut.logits, logits]);
    model.train(); // releases the BatchNorm-folded weights cached for evaluation
    expect(tf.memory().numTensors).toBe(before);
    const plain = googlenet({ seed: 2 }).train();
    const out = plain.forwardWithAux(x);
    expect([out.aux1, out.aux2]).toEqual([null, null]);
    expect(Object.keys(plain.stateDict()).some((k) => k.startsWith('aux'))).toBe(false);
    out.logits.dispose();
    tf.dispose(x);
    plain.dispose();
    model.dispose();
  });

  it.runIf(torchAvailable())('aux heads match torchvision (fc1 columns reordered from C,H,W)', () => {
    const ref = torchReference('googlenet', { size: 64, extra: ['--aux'] });
    const dir = mkdtempSync(join(tmpdir(), 'googlenet-aux-'));
    // Rebuild the fixture's model and input in Python (same seed) and run its aux heads in eval mode.
    const script = `
import json, runpy, sys, torch
sys.argv = ['${join(ROOT, 'scripts/fixtures/architectures.py')}', 'googlenet', '--size', '64', '--seed', '0', '--aux', '--out', sys.argv[1]]
g = runpy.run_path(sys.argv[0])
model, x = g['model'], g['x'].double()  # the script leaves the model in float64
taps = {}
model.inception4a.register_forward_hook(lambda m, i, o: taps.__setitem__('a', o))
model.inception4d.register_forward_hook(lambda m, i, o: taps.__setitem__('d', o))
with torch.no_grad():
    model(x)
    print(json.dumps({'aux1': model.aux1(taps['a']).tolist(), 'aux2': model.aux2(taps['d']).tolist()}))
`;
    try {
      const lines = execFileSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' }).trim().split('\n');
      const theirs = JSON.parse(lines[lines.length - 1]) as { aux1: number[][]; aux2: number[][] };
      const model = googlenet({ seed: 0, auxLogits: true });
      model.loadStateDict(ref.state);
      // Training mode on the model (so the aux heads run) but BN and dropout in evaluation, as in the script.
      model.train();
      for (const [, m] of model.namedModules()) if (m instanceof BatchNorm2d || m instanceof Dropout) m.training = false;
      const ours = model.forwardWithAux(ref.input);
      expect(tf.max(tf.abs(tf.sub(ours.logits, ref.logits))).dataSync()[0] / tf.max(tf.abs(ref.logits)).dataSync()[0]).toBeLessThan(1e-4);
      for (const k of ['aux1', 'aux2'] as const) {
        const t = tf.tensor(theirs[k]);
        const diff = tf.max(tf.abs(tf.sub(ours[k] as tf.Tensor, t))).dataSync()[0] / tf.max(tf.abs(t)).dataSync()[0];
        console.log(`googlenet ${k} @64px: max |diff| / max |logit| = ${diff.toExponential(2)}`);
        expect(diff).toBeLessThan(1e-4);
        t.dispose();
      }
      tf.dispose([ours.logits, ours.aux1 as tf.Tensor, ours.aux2 as tf.Tensor]);
      model.dispose();
    } finally {
      ref.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('transformInput re-normalises each channel like torchvision', () => {
    const plain = googlenet({ seed: 3 }).eval();
    const transformed = googlenet({ seed: 3, transformInput: true }).eval();
    const x = tf.randomNormal([1, 40, 40, 3], 0, 1, 'float32', 2);
    const manual = tf.concat(
      [0, 1, 2].map((c) => {
        const [m, s] = [
          [0.485, 0.229],
          [0.456, 0.224],
          [0.406, 0.225],
        ][c];
        return tf.add(tf.mul(tf.slice(x, [0, 0, 0, c], [-1, -1, -1, 1]), s / 0.5), (m - 0.5) / 0.5);
      }),
      3,
    );
    const [a, b] = [transformed.forward(x), plain.forward(manual)];
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, manual, a, b]);
    plain.dispose();
    transformed.dispose();
  });

  it('resetClassifier (with the aux heads), numClasses and freezeBackbone', () => {
    const model = googlenet({ numClasses: 10, seed: 4, auxLogits: true });
    expect(model.numClasses).toBe(10);
    model.resetClassifier(3);
    expect(model.numClasses).toBe(3);
    const state = model.stateDict();
    expect([state['fc.weight'].shape, state['aux1.fc2.weight'].shape, state['aux2.fc2.bias'].shape]).toEqual([[1024, 3], [1024, 3], [3]]);
    model.freezeBackbone();
    expect(model.trainableParameters().map((v) => v.shape)).toEqual([[1024, 3], [3]]);
    model.dispose();
  });

  it('ships torchvision weights entries as data, with the model options they need', () => {
    expect(googlenetNames).toEqual(['googlenet']);
    expect(googlenetWeights.googlenet[0]).toMatchObject({
      tag: 'IMAGENET1K_V1',
      sha256Prefix: '1378be20',
      numParams: 6_624_904,
      modelOptions: { transformInput: true },
    });
  });
});
