import * as tf from '@tensorflow/tfjs-core';
import { StateDictError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks, toTensor } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import { crossEntropy, fixtureCnn, loadFixtureState, ourKey, type SmallCnnFixture, theirKey } from '@convkit/test-utils/small-cnn';

const fx = readJson<SmallCnnFixture>(new URL('./__fixtures__/small-cnn.json', import.meta.url));
const smallCnn = fixtureCnn;
const load = loadFixtureState;

describe('a small CNN built from convkit layers matches PyTorch', () => {
  it('has the same state-dict keys, shapes and parameter count', () => {
    const model = smallCnn();
    const ours = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [theirKey(k), v.shape]));
    const theirs = Object.fromEntries(Object.entries(fx.initial).map(([k, v]) => [k, v.shape]));
    expect(ours).toEqual(theirs);
    expect(Object.keys(ours)).toEqual(Object.keys(theirs)); // same order too
    expect(model.numParameters()).toBe(fx.paramCount);
    expect(model.summary([1, 12, 12, 1]).totalParams).toBe(fx.paramCount);
    model.dispose();
  });

  it('evaluation and training forward passes', () => {
    const model = smallCnn();
    load(model, fx.initial);
    const x = toTensor(fx.inputs[0]);
    expectNoLeaks(() => {
      const evalLogits = model.predict(x);
      expectClose(evalLogits, fx.evalLogits);
      model.train();
      const trainLogits = model.forward(x);
      expectClose(trainLogits, fx.trainLogits);
      tf.dispose([evalLogits, trainLogits]);
    });
    tf.dispose(x);
    model.dispose();
  });

  it('gradients of every parameter, then parameters and running stats after 3 SGD steps', () => {
    const model = smallCnn();
    load(model, fx.initial);
    model.train();
    const named = model.namedParameters();
    for (let step = 0; step < 3; step++) {
      const x = toTensor(fx.inputs[step]);
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), fx.labels[step]));
      expect(value.dataSync()[0]).toBeCloseTo(fx.lossesPerStep[step], 4);
      if (step === 0) {
        for (const [key, v] of named) expectClose(grads[v.name], fx.gradsStep1[theirKey(key)], { rtol: 1e-3, atol: 1e-5 });
      }
      tf.tidy(() => {
        for (const [, v] of named) v.assign(tf.sub(v, tf.mul(grads[v.name], fx.lr)));
      });
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    }
    const after = model.stateDict();
    for (const [key, expected] of Object.entries(fx.afterSteps)) {
      if (key.endsWith('num_batches_tracked')) expect(after[ourKey(key)].dataSync()[0]).toBe(expected.data[0]);
      else expectClose(after[ourKey(key)], expected, { rtol: 1e-3, atol: 1e-5 });
    }
    model.dispose();
  });
});

describe('loadStateDict', () => {
  it('strict mode lists every missing, unexpected and mis-shaped key at once and writes nothing', () => {
    const model = smallCnn();
    const before = Array.from(model.stateDict()['0.0.weight'].dataSync());
    const dict: Record<string, tf.Tensor> = { ...model.stateDict() };
    delete dict['0.1.running_var'];
    dict['0.0.weight'] = tf.fill([3, 3, 1, 8], 5);
    dict['0.4.weight'] = tf.zeros([3, 3, 8, 15]);
    dict['extra.weight'] = tf.zeros([1]);
    let error: StateDictError | undefined;
    try {
      model.loadStateDict(dict);
    } catch (e) {
      error = e as StateDictError;
    }
    expect(error).toBeInstanceOf(StateDictError);
    expect(error?.missing).toEqual(['0.1.running_var']);
    expect(error?.unexpected).toEqual(['extra.weight']);
    expect(error?.mismatched).toEqual([{ key: '0.4.weight', expected: [3, 3, 8, 16], actual: [3, 3, 8, 15] }]);
    expect(error?.message).toMatch(/\n {4}0\.4\.weight: expected \[3, 3, 8, 16\], got \[3, 3, 8, 15\]/);
    expect(error?.shapes?.['0.4.weight']).toEqual([3, 3, 8, 15]);
    expect(Array.from(model.stateDict()['0.0.weight'].dataSync())).toEqual(before);
    tf.dispose([dict['0.0.weight'], dict['0.4.weight'], dict['extra.weight']]);
    model.dispose();
  });

  it('non-strict mode loads what fits and reports the rest', () => {
    const model = smallCnn();
    const w = tf.fill([3, 3, 1, 8], 0.5);
    const result = model.loadStateDict({ '0.0.weight': w, other: w }, { strict: false });
    expect(result.unexpected).toEqual(['other']);
    expect(result.missing.length).toBe(Object.keys(model.stateDict()).length - 1);
    expect(model.stateDict()['0.0.weight'].dataSync()[0]).toBe(0.5);
    w.dispose();
    model.dispose();
  });
});
