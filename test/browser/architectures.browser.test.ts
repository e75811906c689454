// One member of every architecture family, loaded with torchvision's (random) weights, gives
// torchvision's eval logits on every backend; repeated predicts leave tf.memory() flat.
import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier } from '@convkit/core';
import { efficientnet_b0 } from '@convkit/efficientnet';
import { googlenet } from '@convkit/googlenet';
import { resnet18 } from '@convkit/resnet';
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
