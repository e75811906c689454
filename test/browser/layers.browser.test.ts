// A small CNN built from convkit layers against PyTorch on every backend: eval and train forward,
// gradients, three SGD steps (parameters and BatchNorm running stats), and tf.memory() staying
// flat across repeated predicts and training steps.
import * as tf from '@tensorflow/tfjs-core';
import type { Sequential } from '@convkit/layers';
import { describe, expect, it } from 'vitest';
import fixture from '../../packages/layers/src/__fixtures__/small-cnn.json';
import { expectCloseAsync, scalar, toTensor } from '@convkit/test-utils';
import { crossEntropy, fixtureCnn, loadFixtureState, ourKey, type SmallCnnFixture, theirKey } from '@convkit/test-utils/small-cnn';
import { backendsUnderTest, useBackend } from './context';

const fx = fixture as unknown as SmallCnnFixture;

function loaded(): Sequential {
  const model = fixtureCnn();
  loadFixtureState(model, fx.initial);
  return model;
}

/** One training step: forward, backward, plain SGD update. Returns the loss. */
async function sgdStep(
  model: Sequential,
  x: tf.Tensor,
  labels: number[],
  lr: number,
  inspect?: (grads: tf.NamedTensorMap) => Promise<void>,
): Promise<number> {
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), labels));
  await inspect?.(grads);
  tf.tidy(() => {
    for (const [, v] of model.namedParameters()) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
  });
  const loss = await scalar(value);
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

describe.each(backendsUnderTest())('small CNN matches PyTorch on %s', (backend) => {
  const { expectActive } = useBackend(backend);

  it('evaluation and training forward passes', async () => {
    const model = loaded();
    const x = toTensor(fx.inputs[0]);
    const before = tf.memory().numTensors;
    const evalLogits = model.predict(x);
    await expectCloseAsync(evalLogits, fx.evalLogits, {}, 'eval logits');
    model.train();
    const trainLogits = model.forward(x);
    await expectCloseAsync(trainLogits, fx.trainLogits, {}, 'train logits');
    tf.dispose([evalLogits, trainLogits]);
    expect(tf.memory().numTensors).toBe(before);
    expectActive();
    tf.dispose(x);
    model.dispose();
  });

  it('gradients, then parameters and running stats after 3 SGD steps', async () => {
    const model = loaded().train();
    const named = model.namedParameters();
    for (let step = 0; step < 3; step++) {
      const x = toTensor(fx.inputs[step]);
      const before = tf.memory().numTensors;
      const loss = await sgdStep(model, x, fx.labels[step], fx.lr, async (grads) => {
        if (step > 0) return;
        for (const [key, v] of named)
          await expectCloseAsync(grads[v.name], fx.gradsStep1[theirKey(key)], { rtol: 1e-3, atol: 1e-5 }, `grad ${key}`);
      });
      expect(Math.abs(loss - fx.lossesPerStep[step]), `loss ${loss} vs ${fx.lossesPerStep[step]}`).toBeLessThanOrEqual(
        1e-4 * Math.abs(fx.lossesPerStep[step]),
      );
      expect(tf.memory().numTensors, 'tensors after a training step').toBe(before);
      x.dispose();
    }
    const after = model.stateDict();
    for (const [key, expected] of Object.entries(fx.afterSteps)) {
      if (key.endsWith('num_batches_tracked')) expect(await scalar(after[ourKey(key)])).toBe(expected.data[0]);
      else await expectCloseAsync(after[ourKey(key)], expected, { rtol: 1e-3, atol: 1e-5 }, key);
    }
    expectActive();
    model.dispose();
  });

  it('tf.memory() stays flat over repeated predicts and training steps', async () => {
    const model = loaded();
    const x = toTensor(fx.inputs[0]);
    // The first pass may allocate backend caches; every later one must leave nothing behind.
    tf.dispose(model.predict(x));
    await sgdStep(model.train(), x, fx.labels[0], fx.lr);
    const start = tf.memory();
    for (let i = 0; i < 5; i++) {
      const y = model.eval().predict(x);
      await y.data();
      y.dispose();
      await sgdStep(model.train(), x, fx.labels[0], fx.lr);
      expect(tf.memory().numTensors, `tensors after round ${i + 1}`).toBe(start.numTensors);
      expect(tf.memory().numBytes, `bytes after round ${i + 1}`).toBe(start.numBytes);
    }
    expectActive();
    tf.dispose(x);
    model.dispose();
  });
});
