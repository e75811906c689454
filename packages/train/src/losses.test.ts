import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { type EncodedTensor, expectClose, expectNoLeaks, toTensor } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss, nllLoss } from './index';

interface LossCase {
  fn: 'crossEntropy' | 'nllLoss' | 'binaryCrossEntropyWithLogits' | 'mseLoss';
  input: EncodedTensor;
  target: EncodedTensor;
  options: Record<string, unknown>;
  value: EncodedTensor;
  grad: EncodedTensor;
}

const fx = readJson<{ cases: Record<string, LossCase> }>(new URL('./__fixtures__/losses.json', import.meta.url));

function run(c: LossCase, x: tf.Tensor, target: tf.Tensor): tf.Tensor {
  const options = { ...c.options } as Record<string, unknown>;
  if (options.weight && !Array.isArray(options.weight)) options.weight = toTensor(options.weight as EncodedTensor);
  const f = { crossEntropy, nllLoss, binaryCrossEntropyWithLogits, mseLoss }[c.fn] as (a: tf.Tensor, b: tf.Tensor, o: unknown) => tf.Tensor;
  const out = f(x, target, options);
  if (options.weight instanceof tf.Tensor) options.weight.dispose();
  return out;
}

describe('losses match PyTorch (float64 references)', () => {
  it.each(Object.entries(fx.cases))('%s: value and gradient', (name, c) => {
    const x = toTensor(c.input);
    const classIndices = (c.fn === 'crossEntropy' || c.fn === 'nllLoss') && c.target.shape.length < c.input.shape.length;
    const target = classIndices ? tf.tensor(c.target.data, c.target.shape, 'int32') : toTensor(c.target);
    expectNoLeaks(() => {
      const value = run(c, x, target);
      const valueDiff = expectClose(value, c.value, { rtol: 1e-5, atol: 1e-6 });
      const g = tf.grad((t: tf.Tensor) => tf.sum(run(c, t, target)))(x);
      const gradDiff = expectClose(g, c.grad, { rtol: 1e-5, atol: 1e-6 });
      console.log(`${name}: max |value diff| ${valueDiff.toExponential(1)}, max |grad diff| ${gradDiff.toExponential(1)}`);
      tf.dispose([value, g]);
    });
    tf.dispose([x, target]);
  });

  it('all targets ignored gives NaN for the mean, like PyTorch', () => {
    const loss = crossEntropy(tf.zeros([2, 3]), tf.tensor1d([-100, -100], 'int32'));
    expect(Number.isNaN(loss.dataSync()[0])).toBe(true);
    loss.dispose();
  });

  it('bad shapes and labels are typed errors that name the place', () => {
    const logits = tf.zeros([2, 3]);
    const bad: [() => unknown, typeof ShapeError | typeof OptionError, RegExp][] = [
      [() => crossEntropy(logits, tf.tensor1d([0, 1, 2], 'int32')), ShapeError, /labels must be class indices of shape \[2\]/],
      [() => crossEntropy(logits, tf.tensor1d([0, 3], 'int32')), OptionError, /labels\[1\].*\[0, 3\).*got 3/],
      [() => crossEntropy(logits, tf.tensor1d([0.5, 1])), OptionError, /labels\[0\]/],
      [
        () => crossEntropy(logits, tf.tensor1d([0, 1], 'int32'), { weight: [1, 2] }),
        ShapeError,
        /weight: must have one value per class, shape \[3\]/,
      ],
      [() => crossEntropy(logits, tf.tensor1d([0, 1], 'int32'), { labelSmoothing: 2 }), OptionError, /labelSmoothing/],
      [() => crossEntropy(tf.zeros([3]), tf.tensor1d([0], 'int32')), ShapeError, /input must be \[N, C\]/],
      [() => nllLoss(logits, tf.tensor1d([0, 1], 'int32'), { reduction: 'avg' as 'mean' }), OptionError, /reduction/],
      [() => binaryCrossEntropyWithLogits(logits, tf.zeros([2, 2])), ShapeError, /targets must have the shape of logits \[2,3\]/],
      [
        () => binaryCrossEntropyWithLogits(logits, tf.zeros([2, 3]), { posWeight: [1, 2] }),
        ShapeError,
        /posWeight: must broadcast to \[2,3\]/,
      ],
      [() => mseLoss(logits, tf.zeros([3, 2])), ShapeError, /mseLoss/],
    ];
    for (const [f, type, message] of bad) {
      expect(f).toThrow(type);
      expect(f).toThrow(message);
    }
    logits.dispose();
  });
});
