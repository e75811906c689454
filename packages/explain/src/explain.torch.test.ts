import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { skipInit } from '@convkit/core';
import { createModel } from '@convkit/models';
import { type EncodedTensor, expectClose } from '@convkit/test-utils';
import { torchAvailable, torchReference } from '@convkit/test-utils/node';
import { describe, expect, it } from 'vitest';
import { featureMaps } from './feature-maps';
import { gradCam } from './grad-cam';

const script = new URL('../../../scripts/fixtures/explain.py', import.meta.url).pathname;

interface ExplainReference {
  classIndex: number[];
  fixedClass: number;
  logits: EncodedTensor;
  heatmaps: Record<'gradcam' | 'gradcam++' | 'fixed', EncodedTensor>;
  features: Record<string, EncodedTensor>;
}

interface Case {
  model: string;
  camLayer: string;
  /** Inner modules too: the BatchNorms that evaluation folds into their convs must still report their own output. */
  layers: string[];
}

const cases: Case[] = [
  { model: 'resnet18', camLayer: 'layer4', layers: ['layer4', 'layer2.1.bn2', 'layer1.0.conv1'] },
  { model: 'efficientnet_b0', camLayer: 'features', layers: ['features', 'features.3.0.block.1.1'] },
  { model: 'mobilenet_v3_large', camLayer: 'features', layers: ['features', 'features.4.block.2'] },
  { model: 'mnasnet1_0', camLayer: 'layers.13', layers: ['layers', 'layers.8.0'] },
  { model: 'shufflenet_v2_x1_0', camLayer: 'conv5', layers: ['conv5', 'stage3.0.branch1'] },
  { model: 'squeezenet1_1', camLayer: 'features', layers: ['features', 'features.3.expand3x3'] },
];
const SIZE = 96;
const FIXED_CLASS = 7;

/** explain.py's output for a case, generated once next to architectures.py's reference (whose weights and input it uses). */
function explainReference({ model, camLayer, layers }: Case) {
  const ref = torchReference(model, { size: SIZE, batch: 2, extra: ['--pth'] });
  const stem = ref.pthPath.slice(0, -'.pth'.length);
  const out = `${stem}-explain-${camLayer}-${layers.join('+')}.json`;
  if (!existsSync(out)) {
    const args = [script, stem, model, '--cam-layer', camLayer, '--layers', layers.join(','), '--class-index', String(FIXED_CLASS)];
    execFileSync('/usr/bin/python3', [...args, '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return { ref, expected: JSON.parse(readFileSync(out, 'utf8')) as ExplainReference };
}

describe.runIf(torchAvailable())('Grad-CAM, Grad-CAM++ and feature maps match the same formulas in PyTorch (float64)', () => {
  it.each(cases)(
    '$model at $camLayer',
    (c) => {
      const { ref, expected } = explainReference(c);
      const model = skipInit(() => createModel(c.model));
      model.loadStateDict(ref.state);
      model.train();
      const x = ref.input as tf.Tensor4D;
      const before = tf.memory().numTensors;

      const top = gradCam(model, x, { layer: c.camLayer });
      expect(top.classIndex).toEqual(expected.classIndex);
      expectClose(top.logits, expected.logits, { rtol: 1e-4, atol: 0 }, 'logits');
      // Heatmaps are in [0,1]: an absolute tolerance.
      expectClose(top.heatmap, expected.heatmaps.gradcam, { rtol: 0, atol: 1e-4 }, 'gradcam');
      const plus = gradCam(model, x, { layer: c.camLayer, method: 'gradcam++' });
      expectClose(plus.heatmap, expected.heatmaps['gradcam++'], { rtol: 0, atol: 1e-4 }, 'gradcam++');
      const fixed = gradCam(model, x, { layer: c.camLayer, classIndex: FIXED_CLASS });
      expect(fixed.classIndex).toEqual([FIXED_CLASS, FIXED_CLASS]);
      expectClose(fixed.heatmap, expected.heatmaps.fixed, { rtol: 0, atol: 1e-4 }, `gradcam of class ${FIXED_CLASS}`);

      const maps = featureMaps(model, x, c.layers);
      for (const layer of c.layers) expectClose(maps[layer], expected.features[layer], { rtol: 1e-4, atol: 1e-5 }, layer);

      tf.dispose([top.heatmap, top.logits, plus.heatmap, plus.logits, fixed.heatmap, fixed.logits, ...Object.values(maps)]);
      expect(tf.memory().numTensors).toBe(before);
      // The caller's modes come back: the model was in training mode.
      expect(model.namedModules().every(([, m]) => m.training)).toBe(true);
      model.dispose();
      ref.dispose();
    },
    120_000,
  );
});
