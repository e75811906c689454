import * as tf from '@tensorflow/tfjs-core';
import { loadWeights, saveWeights } from '@convkit/weights';
import { describe, expect, it } from 'vitest';
import { torchAvailable, torchReference } from '@convkit/test-utils/node';
import { createModel } from './index';

const cases = [
  { name: 'resnet18', size: 64 },
  { name: 'vgg11_bn', size: 32 },
  { name: 'googlenet', size: 64 },
  { name: 'efficientnet_b0', size: 64 },
];

const bytesOf = (t: tf.Tensor) => {
  const v = t.dataSync();
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
};
const sameBits = (a: tf.Tensor, b: tf.Tensor) => a.dtype === b.dtype && bytesOf(a).equals(bytesOf(b));
const maxRelDiff = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(b)).dataSync()[0]);

describe.runIf(torchAvailable())('checkpoints written by torch.save load and reproduce PyTorch', () => {
  it.each(cases)('$name: .pth → loadWeights → same logits; safetensors round trip is identical', async ({ name, size }) => {
    const ref = torchReference(name, { size, seed: 5, extra: ['--pth'] });
    const model = createModel(name, { seed: 1 });
    const before = tf.memory().numTensors;
    const result = await loadWeights(model, ref.pthPath);
    expect(result.format).toBe('pth');
    expect(tf.memory().numTensors).toBe(before);
    const logits = model.predict(ref.input);
    const diff = maxRelDiff(logits, ref.logits);
    console.log(`${name}: loaded from torch.save, max |diff| / max |logit| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);

    // Save as safetensors and load into a fresh model: bit-identical state and logits.
    const bytes = saveWeights(model);
    const copy = createModel(name, { seed: 2 });
    await loadWeights(copy, bytes);
    for (const [key, v] of Object.entries(model.stateDict())) expect(sameBits(copy.stateDict()[key], v), key).toBe(true);
    const again = copy.predict(ref.input);
    expect(sameBits(again, logits)).toBe(true);
    tf.dispose([logits, again]);
    ref.dispose();
    model.dispose();
    copy.dispose();
  });

  it('a checkpoint for another architecture is refused with every mismatch listed', async () => {
    const ref = torchReference('resnet18', { size: 64, seed: 5, extra: ['--pth'] });
    const model = createModel('resnet34', { seed: 1 });
    await expect(loadWeights(model, ref.pthPath)).rejects.toThrow(/missing keys \(\d+\).*:\n {4}layer1\.2\.conv1\.weight\n/);
    ref.dispose();
    model.dispose();
  });
});
