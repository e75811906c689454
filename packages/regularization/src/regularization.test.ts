import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { expectClose } from '@convkit/test-utils';
import { BatchNorm2d, Dropout, Dropout2d, l2Penalty, smoothLabels, StochasticDepth } from './index';

describe('BatchNorm2d', () => {
  const x = () => tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 2]); // channel 0: 1,3,5,7 channel 1: 2,4,6,8

  it("updates running stats with PyTorch's momentum and the unbiased variance", () => {
    const bn = new BatchNorm2d(2, { momentum: 0.1 });
    const input = x();
    tf.dispose(bn.forward(input));
    // mean 4 and 5; unbiased variance of (1,3,5,7) = 20/3.
    expectClose(bn.runningMean as tf.Tensor, tf.tensor1d([0.4, 0.5]));
    expectClose(bn.runningVar as tf.Tensor, tf.tensor1d([0.9 + 0.1 * (20 / 3), 0.9 + 0.1 * (20 / 3)]));
    expect((bn.numBatchesTracked as tf.Tensor).dataSync()[0]).toBe(1);
    input.dispose();
    bn.dispose();
  });

  it('momentum null is a cumulative average', () => {
    const bn = new BatchNorm2d(2, { momentum: null });
    const a = x();
    const b = tf.mul(a, 3);
    tf.dispose([bn.forward(a), bn.forward(b)]);
    expectClose(bn.runningMean as tf.Tensor, tf.tensor1d([(4 + 12) / 2, (5 + 15) / 2]));
    tf.dispose([a, b]);
    bn.dispose();
  });

  it('normalises with the biased batch variance in training, running stats in eval', () => {
    const bn = new BatchNorm2d(2, { eps: 1e-5 });
    const input = x();
    const y = bn.forward(input);
    const std = Math.sqrt(5 + 1e-5); // biased variance of (1,3,5,7) is 5
    expectClose(
      y,
      tf.tensor4d(
        [-3, -3, -1, -1, 1, 1, 3, 3].map((v) => v / std),
        [2, 2, 1, 2],
      ),
    );
    bn.eval();
    const z = bn.forward(input);
    const rm = [0.4, 0.5];
    const rv = 0.9 + (0.1 * 20) / 3;
    expectClose(
      z,
      tf.tensor4d(
        [1, 2, 3, 4, 5, 6, 7, 8].map((v, i) => (v - rm[i % 2]) / Math.sqrt(rv + 1e-5)),
        [2, 2, 1, 2],
      ),
    );
    tf.dispose([input, y, z]);
    bn.dispose();
  });

  it('frozen stays frozen: running stats used and never updated, even in train()', () => {
    const bn = new BatchNorm2d(2);
    bn.freeze().train();
    const input = x();
    const before = [...bn.namedBuffers()].map(([, v]) => Array.from(v.dataSync()));
    const count = tf.memory().numTensors;
    const y = tf.grad((t: tf.Tensor) => tf.sum(bn.forward(t)))(input);
    expect(tf.memory().numTensors).toBe(count + 1); // only the gradient survives
    // With running stats (mean 0, var 1) the output is x·γ/√(1+eps) + β, so dy/dx = 1/√(1+eps).
    expectClose(y, tf.fill([2, 2, 1, 2], 1 / Math.sqrt(1 + 1e-5)));
    const after = [...bn.namedBuffers()].map(([, v]) => Array.from(v.dataSync()));
    expect(after).toEqual(before);
    expect(bn.trainableParameters()).toEqual([]);
    tf.dispose([y, input]);
    bn.dispose();
  });

  it('trackRunningStats false uses batch statistics in eval and has no buffers', () => {
    const bn = new BatchNorm2d(2, { trackRunningStats: false });
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias']);
    bn.eval();
    const input = x();
    const y = bn.forward(input);
    expect(Math.abs(tf.mean(y).dataSync()[0])).toBeLessThan(1e-6);
    tf.dispose([input, y]);
    bn.dispose();
  });

  it('rejects bad input', () => {
    expect(() => new BatchNorm2d(0)).toThrow(OptionError);
    expect(() => new BatchNorm2d(2, { momentum: 2 })).toThrow(/momentum/);
    const bn = new BatchNorm2d(3);
    expect(() => bn.forward(tf.zeros([1, 2, 2, 4]))).toThrow(ShapeError);
    bn.dispose();
  });
});

describe('Dropout modules', () => {
  it('Dropout: train draws masks, eval is the identity', () => {
    const d = new Dropout(0.25, 3);
    const x = tf.ones([100, 100]);
    const y = d.forward(x);
    const zeros = Array.from(y.dataSync()).filter((v) => v === 0).length / 10000;
    expect(zeros).toBeGreaterThan(0.22);
    expect(zeros).toBeLessThan(0.28);
    d.eval();
    const z = d.forward(x);
    expect(Array.from(z.dataSync()).every((v) => v === 1)).toBe(true);
    expect(() => new Dropout(1)).toThrow(/p must be in \[0, 1\), got 1/);
    expect(() => new Dropout2d(-0.5)).toThrow(OptionError);
    tf.dispose([x, y, z]);
  });

  it('StochasticDepth row mode drops whole examples, batch mode the whole batch', () => {
    const x = tf.ones([400, 2, 2, 3]);
    const row = new StochasticDepth(0.2, 'row', 9).forward(x);
    const v = row.dataSync();
    let dropped = 0;
    for (let n = 0; n < 400; n++) {
      const slice = Array.from(v.slice(n * 12, n * 12 + 12));
      expect(new Set(slice).size).toBe(1);
      if (slice[0] === 0) dropped++;
      else expect(slice[0]).toBeCloseTo(1 / 0.8, 5);
    }
    expect(dropped / 400).toBeGreaterThan(0.14);
    expect(dropped / 400).toBeLessThan(0.26);
    const batch = new StochasticDepth(0.5, 'batch', 1).forward(x);
    expect(new Set(Array.from(batch.dataSync())).size).toBe(1);
    const evalMode = new StochasticDepth(0.5, 'row').eval().forward(x);
    expect(Array.from(evalMode.dataSync()).every((e) => e === 1)).toBe(true);
    tf.dispose([x, row, batch, evalMode]);
  });
});

describe('penalties', () => {
  it('l2Penalty is weightDecay/2 · Σw², with gradient weightDecay · w', () => {
    const w = tf.variable(tf.tensor1d([1, -2, 3]));
    const { value, grads } = tf.variableGrads(() => l2Penalty([w], 0.1));
    expect(value.dataSync()[0]).toBeCloseTo(0.05 * 14, 6);
    expectClose(grads[w.name], tf.tensor1d([0.1, -0.2, 0.3]));
    tf.dispose([w, value, ...Object.values(grads)]);
  });

  it("smoothLabels matches PyTorch's label_smoothing targets", () => {
    const t = smoothLabels(tf.tensor1d([2, 0], 'int32'), 4, 0.1);
    expectClose(t, tf.tensor2d([0.025, 0.025, 0.925, 0.025, 0.925, 0.025, 0.025, 0.025], [2, 4]));
    expect(() => smoothLabels(tf.tensor1d([1]), 4, 0.1)).toThrow(/int32/);
    t.dispose();
  });
});
