// One member of every architecture family, loaded with torchvision's (random) weights, gives
// torchvision's eval logits on every backend; repeated predicts leave tf.memory() flat.
import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier } from '@convkit/core';
import { efficientnet_b0, efficientnet_v2_s } from '@convkit/efficientnet';
import { googlenet } from '@convkit/googlenet';
import { mnasnet1_0 } from '@convkit/mnasnet';
import { mobilenet_v3_large } from '@convkit/mobilenet';
import { resnet18 } from '@convkit/resnet';
import { shufflenet_v2_x1_0 } from '@convkit/shufflenet';
import { squeezenet1_1 } from '@convkit/squeezenet';
import { vgg11_bn } from '@convkit/vgg';
import { describe, expect, inject, it } from 'vitest';
import { relativeDiffAsync } from '@convkit/test-utils';
import { backendsUnderTest, useBackend } from './context';
import { architectureCases, loadReference, referenceKey } from './references';

const builders: Record<string, () => ImageClassifier> = {
  resnet18: () => resnet18({ seed: 0 }),
  vgg11_bn: () => vgg11_bn({ seed: 0 }),
  googlenet: () => googlenet({ seed: 0 }),
  efficientnet_b0: () => efficientnet_b0({ seed: 0, stochasticDepthProb: 0 }),
  efficientnet_v2_s: () => efficientnet_v2_s({ seed: 0, stochasticDepthProb: 0 }),
  mobilenet_v3_large: () => mobilenet_v3_large({ seed: 0 }),
  mnasnet1_0: () => mnasnet1_0({ seed: 0 }),
  shufflenet_v2_x1_0: () => shufflenet_v2_x1_0({ seed: 0 }),
  squeezenet1_1: () => squeezenet1_1({ seed: 0 }),
};

const references = inject('references');

describe.each(backendsUnderTest())('architectures match torchvision on %s', (backend) => {
  const { expectActive } = useBackend(backend);

  it.each(architectureCases)('$model at $size px', async (c) => {
    const files = references[referenceKey(c)];
    if (!files) return void console.warn(`no PyTorch reference for ${referenceKey(c)} (torch missing): skipped`);
    const ref = await loadReference(files);
    const model = builders[c.model]();
    try {
      model.loadStateDict(ref.state);
      tf.dispose(Object.values(ref.state)); // loadStateDict assigns copies into the model's variables
      const before = tf.memory().numTensors;
      const started = performance.now();
      const logits = model.predict(ref.input);
      const diff = await relativeDiffAsync(logits, ref.logits);
      const ms = performance.now() - started;
      console.log(
        `[${backend}] ${c.model} @${c.size}px: max |diff| / max |logit| = ${diff.toExponential(2)} (first predict ${ms.toFixed(0)} ms)`,
      );
      expect(diff).toBeLessThan(1e-4);
      logits.dispose();
      const again = model.predict(ref.input);
      expect(await relativeDiffAsync(again, ref.logits)).toBe(diff);
      again.dispose();
      expect(tf.memory().numTensors, 'tensors left behind by predict').toBe(before);
      expectActive();
    } finally {
      tf.dispose([ref.input, ref.logits, ...Object.values(ref.state)]);
      model.dispose();
    }
  });
});
