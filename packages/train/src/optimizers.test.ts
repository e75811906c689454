import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { type EncodedTensor, expectClose, toTensor } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import { loadFixtureState, ourKey, smallCnn } from '@convkit/test-utils/small-cnn';
import { Adam, AdamW, crossEntropy, type Optimizer, type BaseHyper, SGD } from './index';

interface OptimizerCase {
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  lrs: [number, number];
  options: Record<string, unknown>;
  after: Record<string, EncodedTensor>[];
}

const fx = readJson<{
  initial: Record<string, EncodedTensor>;
  inputs: EncodedTensor[];
  labels: number[][];
  cases: Record<string, OptimizerCase>;
}>(new URL('./__fixtures__/optimizers.json', import.meta.url));

function makeOptimizer(c: OptimizerCase, model: ReturnType<typeof smallCnn>): Optimizer<BaseHyper> {
  const features = model.getModule('0').parameters();
  const head = model.getModule('2').parameters();
  const groups = [
    { params: features, lr: c.lrs[0] },
    { params: head, lr: c.lrs[1] },
  ];
  if (c.optimizer === 'SGD') return new SGD(groups, { lr: c.lrs[0], ...c.options });
  const Cls = c.optimizer === 'Adam' ? Adam : AdamW;
  return new Cls(groups, { lr: c.lrs[0], ...(c.options as object) });
}

describe('optimizers match PyTorch on a small CNN with BatchNorm in train mode (two parameter groups)', () => {
  it.each(Object.entries(fx.cases))('%s: parameters and running stats after one and two steps', (name, c) => {
    const model = smallCnn();
    loadFixtureState(model, fx.initial);
    model.train();
    const optimizer = makeOptimizer(c, model);
    let worst = 0;
    for (let step = 0; step < 2; step++) {
      const x = toTensor(fx.inputs[step]);
      const y = tf.tensor1d(fx.labels[step], 'int32');
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y), model.trainableParameters());
      optimizer.step(grads);
      tf.dispose([value, ...Object.values(grads)]);
      // Only the first step may create the optimizer's state buffers; nothing else is left over.
      if (step === 1) expect(tf.memory().numTensors).toBe(before);
      const state = model.stateDict();
      for (const [key, expected] of Object.entries(c.after[step])) {
        const actual = state[ourKey(key)];
        if (key.endsWith('num_batches_tracked')) expect(actual.dataSync()[0]).toBe(expected.data[0]);
        else worst = Math.max(worst, expectClose(actual, expected, { rtol: 1e-5, atol: 1e-5 }));
      }
      tf.dispose([x, y]);
    }
    console.log(`${name}: max |param diff| after 2 steps ${worst.toExponential(2)}`);
    optimizer.dispose();
    model.dispose();
  });
});

describe('optimizer behaviour', () => {
  it('skips frozen (non-trainable) variables and variables without a gradient', () => {
    const a = tf.variable(tf.ones([2]));
    const b = tf.variable(tf.ones([2]));
    const opt = new SGD([a, b], { lr: 0.5, momentum: 0.9 });
    b.trainable = false;
    const g = { [a.name]: tf.ones([2]), [b.name]: tf.ones([2]) };
    opt.step(g);
    expect(Array.from(a.dataSync())).toEqual([0.5, 0.5]);
    expect(Array.from(b.dataSync())).toEqual([1, 1]);
    expect(opt.stateDict().state[1]).toBeUndefined();
    tf.dispose([a, b, ...Object.values(g)]);
    opt.dispose();
  });

  it('state dicts resume exactly: two steps equal one step, save, load into a new optimizer, one step', () => {
    const run = (split: boolean) => {
      const init = tf.tensor1d([1, -2, 3]);
      const p = tf.variable(init);
      init.dispose();
      let opt = new Adam([{ params: [p], lr: 0.1 }], { weightDecay: 0.01, amsgrad: true });
      const grads = [tf.tensor1d([0.3, -0.1, 0.2]), tf.tensor1d([-0.5, 0.4, 0.1])];
      opt.step({ [p.name]: grads[0] });
      if (split) {
        const saved = opt.stateDict();
        const copy = new Adam([p]);
        copy.loadStateDict(saved);
        opt.dispose();
        opt = copy;
        expect(opt.paramGroups[0].lr).toBe(0.1);
        expect(opt.paramGroups[0].amsgrad).toBe(true);
      }
      opt.step({ [p.name]: grads[1] });
      const out = Array.from(p.dataSync());
      tf.dispose([p, ...grads]);
      opt.dispose();
      return out;
    };
    const before = tf.memory().numTensors;
    expect(run(true)).toEqual(run(false));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('no tensors leak across many steps of each optimizer', () => {
    const p = tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 1));
    for (const opt of [
      new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }),
      new Adam([p], { amsgrad: true, weightDecay: 1e-2 }),
      new AdamW([p]),
    ]) {
      const g = { [p.name]: tf.onesLike(p) };
      opt.step(g);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) opt.step(g);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(Object.values(g));
      opt.dispose();
    }
    p.dispose();
  });

  it('rejects bad options and mismatched state dicts with typed errors', () => {
    const p = tf.variable(tf.zeros([2]));
    expect(() => new SGD([p], { lr: -1 })).toThrow(/SGD: paramGroups\[0\]\.lr/);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires momentum > 0/);
    expect(() => new Adam([p], { betas: [0.9, 1] })).toThrow(OptionError);
    expect(() => new SGD([{ params: [p] }, { params: [p] }], { lr: 0.1 })).toThrow(/more than one group/);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    const opt = new SGD([p], { lr: 0.1 });
    expect(() => opt.loadStateDict({ state: {}, paramGroups: [] })).toThrow(/expected 1 parameter groups/);
    const wrong = tf.zeros([3]);
    expect(() => opt.loadStateDict({ state: { 0: { momentumBuffer: wrong } }, paramGroups: [{ lr: 1, params: [0] }] })).toThrow(
      /expected \[2\]/,
    );
    tf.dispose([p, wrong]);
  });
});
