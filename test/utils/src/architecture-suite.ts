import * as tf from '@tensorflow/tfjs-core';
import { type ImageClassifier, skipInit } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { relativeDiff } from './compare';
import { torchAvailable, torchReference } from './torch-reference';

export interface ArchitectureCase {
  name: string;
  build: () => ImageClassifier;
  /** torchvision's published parameter count. */
  params: number;
  /** Input size of the PyTorch comparison (small for the big models). */
  size: number;
  /** Extra flags for the fixture script (e.g. `--aux`). */
  extra?: string[];
  /** Train-mode check: input size, and whether every parameter must get a non-zero gradient. */
  trainSize?: number;
}

/** The checks every architecture must pass against torchvision. */
export function describeArchitectures(family: string, cases: ArchitectureCase[]): void {
  describe(`${family}: identical to torchvision`, () => {
    it.each(cases)('$name: parameter count, state-dict keys and shapes, eval logits', ({ name, build, params, size, extra }) => {
      // PyTorch's weights replace every value: the random draws would be wasted (seconds for VGG).
      const model = skipInit(build);
      expect(model.numParameters()).toBe(params);
      if (!torchAvailable()) return;
      const ref = torchReference(name, { size, extra });
      try {
        expect(ref.numParams).toBe(params);
        const ours = Object.entries(model.stateDict()).map(([k, v]) => [k, v.shape]);
        const theirs = Object.entries(ref.state).map(([k, v]) => [k, v.shape]);
        expect(ours).toEqual(theirs);
        model.loadStateDict(ref.state);
        model.eval();
        const logits = model.predict(ref.input);
        const diff = relativeDiff(logits, ref.logits);
        console.log(`${name} @${size}px: max |diff| / max |logit| = ${diff.toExponential(2)}`);
        expect(diff).toBeLessThan(1e-4);
        // Later predicts reuse the folded weights and leave memory where it was.
        const before = tf.memory().numTensors;
        const again = model.predict(ref.input);
        expect(relativeDiff(again, logits)).toBe(0);
        tf.dispose([logits, again]);
        expect(tf.memory().numTensors).toBe(before - 1);
      } finally {
        ref.dispose();
        model.dispose();
      }
    });

    it.each(cases)('$name: training-mode forward, gradients reach every parameter', ({ build, trainSize = 64 }) => {
      const model = build().train();
      const x = tf.randomNormal([2, trainSize, trainSize, 3], 0, 1, 'float32', 3);
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.forward(x))) as tf.Scalar);
      const named = model.namedParameters();
      const missing = named.filter(([, v]) => !grads[v.name]).map(([k]) => k);
      expect(missing).toEqual([]);
      const zero = named.filter(([, v]) => tf.tidy(() => tf.max(tf.abs(grads[v.name])).dataSync()[0]) === 0).map(([k]) => k);
      expect(zero).toEqual([]);
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      model.dispose();
    });
  });
}
