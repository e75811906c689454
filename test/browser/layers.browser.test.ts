// A small CNN built from convkit layers against PyTorch on every backend: eval and train forward,
// gradients, three SGD steps (parameters and BatchNorm running stats), and tf.memory() staying
// flat across repeated predicts and training steps.
import * as tf from '@tensorflow/tfjs-core';
import { logSoftmax } from '@convkit/core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d, Dropout2d } from '@convkit/regularization';
import { describe, expect, it } from 'vitest';
import fixture from '../../packages/layers/src/__fixtures__/small-cnn.json';
import { type EncodedTensor, expectClose, scalar, toTensor } from './compare';
import { backendsUnderTest, useBackend } from './context';

interface Fixture {
  initial: Record<string, EncodedTensor>;
  inputs: EncodedTensor[];
  labels: number[][];
  evalLogits: EncodedTensor;
  trainLogits: EncodedTensor;
  lossesPerStep: number[];
  gradsStep1: Record<string, EncodedTensor>;
  afterSteps: Record<string, EncodedTensor>;
  lr: number;
}

const fx = fixture as unknown as Fixture;

/** The fixture script's SmallCNN, from convkit layers (as in packages/layers/src/small-cnn.test.ts). */
function smallCnn(): Sequential {
  const features = new Sequential(
    new Conv2d(1, 8, 3, { padding: 1 }), new BatchNorm2d(8), new ReLU(), new MaxPool2d({ kernelSize: 2 }),
    new Conv2d(8, 16, 3, { padding: 1 }), new BatchNorm2d(16), new ReLU(), new MaxPool2d({ kernelSize: 2 }),
    new Dropout2d(0),
  );
  return new Sequential(features, new Flatten(), new Linear(16 * 3 * 3, 5));
}

const ourKey = (k: string) => k.replace(/^features\./, '0.').replace(/^classifier\./, '2.');
const theirKey = (k: string) => k.replace(/^0\./, 'features.').replace(/^2\./, 'classifier.');

function loaded(): Sequential {
  const model = smallCnn();
  const tensors = Object.fromEntries(Object.entries(fx.initial).map(([k, v]) => [ourKey(k), toTensor(v)]));
  model.loadStateDict(tensors);
  tf.dispose(Object.values(tensors));
  return model;
}

function crossEntropy(logits: tf.Tensor, labels: number[]): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1] as number);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** One training step: forward, backward, plain SGD update. Returns the loss. */
async function sgdStep(model: Sequential, x: tf.Tensor, labels: number[], lr: number, inspect?: (grads: tf.NamedTensorMap) => Promise<void>): Promise<number> {
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
    await expectClose(evalLogits, fx.evalLogits, {}, 'eval logits');
    model.train();
    const trainLogits = model.forward(x);
    await expectClose(trainLogits, fx.trainLogits, {}, 'train logits');
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
        for (const [key, v] of named) await expectClose(grads[v.name], fx.gradsStep1[theirKey(key)], { rtol: 1e-3, atol: 1e-5 }, `grad ${key}`);
      });
      expect(Math.abs(loss - fx.lossesPerStep[step]), `loss ${loss} vs ${fx.lossesPerStep[step]}`).toBeLessThanOrEqual(1e-4 * Math.abs(fx.lossesPerStep[step]));
      expect(tf.memory().numTensors, 'tensors after a training step').toBe(before);
      x.dispose();
    }
    const after = model.stateDict();
    for (const [key, expected] of Object.entries(fx.afterSteps)) {
      if (key.endsWith('num_batches_tracked')) expect(await scalar(after[ourKey(key)])).toBe(expected.data[0]);
      else await expectClose(after[ourKey(key)], expected, { rtol: 1e-3, atol: 1e-5 }, key);
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
