import * as tf from '@tensorflow/tfjs-core';
import { type ImageClassifier, skipInit } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { relativeDiff } from './compare';
import { inputDependence } from './informative-weights';
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
  /**
   * Compare one training step's loss and gradients with PyTorch's (one model per family): `build`
   * must then make a model without dropout or stochastic depth, which PyTorch's step turns off.
   */
  gradients?: boolean;
}

/** The checks every architecture must pass against torchvision. */
export function describeArchitectures(family: string, cases: ArchitectureCase[]): void {
  describe(`${family}: identical to torchvision`, () => {
    it.each(cases)('$name: parameter count, state-dict keys and shapes, eval logits', async ({ name, build, params, size, extra }) => {
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
        // Two inputs must give different logits, or the comparison says nothing about the layers.
        expect(await inputDependence(ref.logits), "PyTorch's logits change with the input").toBeGreaterThan(1e-3);
        model.loadStateDict(ref.state);
        model.eval();
        const logits = model.predict(ref.input);
        const diff = relativeDiff(logits, ref.logits);
        // The reference is float64; a deep calibrated net amplifies float32 rounding, so the bound
        // is 1e-4 or a few times PyTorch's own float32 error on the same input, whichever is larger.
        expect(ref.float32Error, 'a well-conditioned reference: PyTorch float32 within 1e-3 of float64 (try another size)').toBeLessThan(
          1e-3,
        );
        const bound = Math.max(1e-4, 4 * ref.float32Error);
        console.log(
          `${name} @${size}px: max |diff| / max |logit| = ${diff.toExponential(2)} (PyTorch float32: ${ref.float32Error.toExponential(2)})`,
        );
        expect(diff).toBeLessThan(bound);
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

    const withGradients = cases.filter((c) => c.gradients);
    it.runIf(withGradients.length > 0).each(withGradients)(
      "$name: one training step (batch statistics, cross-entropy) gives PyTorch's loss and gradients",
      ({ name, build, size, extra = [] }) => {
        if (!torchAvailable()) return;
        const ref = torchReference(name, { size, extra: [...extra, '--grads'] });
        const model = skipInit(build);
        try {
          const step = ref.step;
          if (!step) throw new Error(`${name}: the reference has no training step`);
          model.loadStateDict(ref.state);
          model.train();
          const labels = tf.oneHot(tf.tensor1d(step.labels, 'int32'), model.numClasses);
          // PyTorch's cross_entropy: the mean over the batch of −log softmax at the label.
          const loss = () => tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(model.forward(step.input))), 1))) as tf.Scalar;
          const { value, grads } = tf.variableGrads(loss);
          expect(Math.abs(value.dataSync()[0] - step.loss)).toBeLessThan(1e-4 * Math.max(1, step.loss));
          const named = Object.fromEntries(model.namedParameters());
          expect(Object.keys(named).sort()).toEqual(Object.keys(step.grads).sort());
          // Each tensor relative to its own size, but never to less than 1e-4 of the largest gradient:
          // some are zero in exact arithmetic (a bias that the next BatchNorm's batch mean removes),
          // and rounding leaves them at ~1e-9 on either side.
          const largest = Math.max(...Object.values(step.grads).map((g) => tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0])));
          const worst = Object.entries(step.grads)
            .map(([key, g]) => {
              const [diff, size] = tf.tidy(() =>
                [tf.max(tf.abs(tf.sub(grads[named[key].name], g))), tf.max(tf.abs(g))].map((t) => t.dataSync()[0]),
              );
              return [key, diff / Math.max(size, 1e-4 * largest)] as const;
            })
            .sort((a, b) => b[1] - a[1]);
          console.log(`${name} gradients @${size}px: worst ${worst[0][0]} ${worst[0][1].toExponential(2)}`);
          expect(worst.filter(([, d]) => !(d < 1e-3))).toEqual([]);
          tf.dispose([labels, value, ...Object.values(grads)]);
        } finally {
          ref.dispose();
          model.dispose();
        }
      },
    );

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
