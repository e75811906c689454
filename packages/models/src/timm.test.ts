// timm's models by their own names, checked against what real timm builds and computes
// (__fixtures__/timm-ref, written by its generate.py with timm's own code; see its README).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type ImageClassifier, UnknownNameError } from '@convkit/core';
import { Linear } from '@convkit/layers';
import { encodeSafetensors, loadHubFolder, loadWeights, type RawEntry, readHubConfig } from '@convkit/weights';
import { describe, expect, it } from 'vitest';
import { convkitShape, readTimmRef, type TimmRef, timmInput, timmLogitsDiff, timmValues } from '@convkit/test-utils/timm';
import { createModel, listModels, modelInfo } from './index';
import { tempDir } from '@convkit/test-utils/node';

const dir = new URL('__fixtures__/timm-ref/', import.meta.url).pathname;

const refs: TimmRef[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => readTimmRef(dir, f.slice(0, -'.json'.length)));

/** timm's state dict as the README makes it, as a safetensors checkpoint (PyTorch layout, as timm saves it). */
function timmCheckpoint(ref: TimmRef): Uint8Array {
  const entries: RawEntry[] = timmValues(dir, ref).map(({ key, shape, values }) =>
    values
      ? { key, dtype: 'F32', shape, bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) }
      : { key, dtype: 'I64', shape, bytes: new Uint8Array(8 * shape.reduce((a, b) => a * b, 1)) },
  );
  return encodeSafetensors(entries);
}

describe("timm's models by their hub names", () => {
  it('the reference files cover the tf_ ports and timm ResNets', () => {
    expect(refs.map((r) => r.model)).toEqual([
      'efficientnet_b0',
      'efficientnet_b3',
      'efficientnet_b7',
      'resnet18',
      'resnet50',
      'tf_efficientnet_b0',
      'tf_efficientnet_b3',
      'tf_efficientnet_b7',
    ]);
  });

  it.each(refs)('timm/$model: state-dict keys in timm order, shapes, parameter and feature counts', (ref) => {
    const model = createModel(`timm/${ref.model}`, { seed: 0 }) as ImageClassifier & {
      numFeatures?: number;
      fc?: Linear;
      classifier?: Linear;
    };
    try {
      const own = Object.entries(model.stateDict());
      expect(own.map(([k]) => k)).toEqual(ref.keys.map(([k]) => k));
      for (const [i, [key, shape]] of ref.keys.entries()) expect(own[i][1].shape, key).toEqual(convkitShape(shape));
      expect(model.numParameters()).toBe(ref.num_parameters);
      const head = (ref.model.startsWith('resnet') ? model.fc : model.classifier) as Linear;
      expect(head.inFeatures).toBe(ref.num_features);
      expect(modelInfo(`timm/${ref.model}`).params).toBe(ref.num_parameters);
    } finally {
      model.dispose();
    }
  });

  it.each(refs.filter((r) => r.cases?.length))(
    "timm/$model: a timm checkpoint loads with no renaming and gives timm's logits",
    async (ref) => {
      const model = createModel(`timm/${ref.model}`, { seed: 0 });
      try {
        const result = await loadWeights(model, timmCheckpoint(ref));
        expect(result.loaded.length).toBe(ref.keys.length);
        const before = tf.memory().numTensors;
        for (const c of ref.cases!) {
          const h = c.input_nchw[2];
          const logits = tf.tidy(() => model.predict(timmInput(c)));
          const diff = timmLogitsDiff(logits, c);
          console.log(
            `timm/${ref.model} @${h}px: max |diff| / max |logit| = ${diff.toExponential(2)} (timm float32 vs float64: ${c.float32_vs_float64.toExponential(2)})`,
          );
          expect(diff).toBeLessThan(1e-4);
          logits.dispose();
        }
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        model.dispose();
      }
    },
    120_000,
  );

  it("catalog transforms follow timm's pretrained_cfg: resize ⌊size / crop_pct⌋, centre crop, interpolation, mean, std", () => {
    for (const ref of refs) {
      const weights = modelInfo(`timm/${ref.model}`).weights;
      const cfg = ref.pretrained_cfg;
      const entry = weights.find((w) => `timm/${w.model}.${w.tag}` === (cfg as unknown as { hf_hub_id: string }).hf_hub_id);
      if (ref.model === 'efficientnet_b7') {
        expect(weights).toEqual([]); // timm has no trained weights for it
        continue;
      }
      expect(entry, ref.model).toBeDefined();
      const size = cfg.input_size[1];
      expect(entry!.transforms).toEqual({
        resizeSize: Math.floor(size / cfg.crop_pct),
        cropSize: size,
        interpolation: cfg.interpolation,
        mean: cfg.mean,
        std: cfg.std,
      });
    }
  });

  it('a Hugging Face timm folder (config.json + model.safetensors) builds, loads and gives the eval transforms', async () => {
    const ref = refs.find((r) => r.model === 'tf_efficientnet_b0')!;
    const folder = tempDir('convkit-timm-');
    // timm's push_to_hub config: the architecture, num_classes and its pretrained_cfg.
    writeFileSync(
      join(folder, 'config.json'),
      JSON.stringify({ architecture: ref.model, num_classes: 1000, num_features: ref.num_features, pretrained_cfg: ref.pretrained_cfg }),
    );
    writeFileSync(join(folder, 'model.safetensors'), timmCheckpoint(ref));
    const config = await readHubConfig(folder);
    expect(config.transforms).toEqual({
      resizeSize: 256,
      cropSize: 224,
      interpolation: 'bicubic',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    const model = createModel(`timm/${config.architecture}`, { numClasses: config.numClasses });
    try {
      const result = await loadHubFolder(model, folder);
      expect(result.format).toBe('safetensors');
      expect(result.config.tag).toBe('ns_jft_in1k');
      const c = ref.cases![1];
      const logits = tf.tidy(() => model.predict(timmInput(c)));
      expect(timmLogitsDiff(logits, c)).toBeLessThan(1e-4);
      logits.dispose();
    } finally {
      model.dispose();
    }
  });

  it("the course's head swap reads as in PyTorch: classifier.inFeatures, then a new Linear", () => {
    const model = createModel('timm/tf_efficientnet_b0', { seed: 0 }) as ImageClassifier & { classifier: Linear };
    try {
      model.classifier = new Linear(model.classifier.inFeatures, 10, { generator: 1 });
      expect(model.numClasses).toBe(10);
      expect(model.stateDict()['classifier.weight'].shape).toEqual([1280, 10]);
      const y = tf.tidy(() => model.predict(tf.zeros([1, 35, 35, 3])));
      expect(y.shape).toEqual([1, 10]);
      y.dispose();
    } finally {
      model.dispose();
    }
  });

  it('listModels names every timm model with its prefix; unknown names are typed errors', () => {
    const timm = listModels({ source: 'timm' }).map((m) => m.name);
    for (let i = 0; i < 8; i++) expect(timm).toEqual(expect.arrayContaining([`timm/efficientnet_b${i}`, `timm/tf_efficientnet_b${i}`]));
    for (const d of [18, 34, 50, 101, 152]) expect(timm).toContain(`timm/resnet${d}`);
    expect(listModels({ source: 'torchvision' }).every((m) => !m.name.startsWith('timm/'))).toBe(true);
    expect(modelInfo('timm/tf_efficientnet_b7').inputSize).toBe(600);
    expect(modelInfo('timm/efficientnet_b7').inputSize).toBe(600);
    expect(() => createModel('timm/efficientnet_b9')).toThrow(UnknownNameError);
  });
});
