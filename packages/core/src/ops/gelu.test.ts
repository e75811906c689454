import * as tf from '@tensorflow/tfjs-core';
import { expectClose, expectNoLeaks } from '@convkit/test-utils';
import { describe, expect, it } from 'vitest';
import { OptionError } from '../errors';
import { activation } from './activation';
import { gelu, geluOps } from './gelu';

// x·Φ(x) at -3, -1, 0, 1, 3 (Φ from tables: 0.0013499, 0.1586553, 0.5, 0.8413447, 0.9986501), and
// the tanh form 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) at the same points.
const xs = [-3, -1, 0, 1, 3];
const exact = [-0.0040496, -0.1586553, 0, 0.8413447, 2.9959503];
const tanhForm = [-0.0036374, -0.158808, 0, 0.841192, 2.9963627];

describe('gelu', () => {
  it.each([
    ['the kernel (or ops where the backend has none)', gelu],
    ['the tfjs-op composition', geluOps],
  ] as const)('%s: exact and tanh forms at hand-worked points', (_, op) => {
    expectNoLeaks(() => {
      const x = tf.tensor1d(xs);
      const y = op(x);
      const t = op(x, 'tanh');
      expectClose(y, { shape: [5], data: exact }, { rtol: 0, atol: 5e-7 });
      expectClose(t, { shape: [5], data: tanhForm }, { rtol: 0, atol: 5e-7 });
      tf.dispose([x, y, t]);
    });
  });

  it("takes { approximate } too, and is the activation table's 'gelu' and 'gelu_tanh'", () => {
    const x = tf.tensor1d(xs);
    expectClose(gelu(x, { approximate: 'tanh' }), { shape: [5], data: tanhForm }, { rtol: 0, atol: 5e-7 });
    expectClose(activation(x, 'gelu'), { shape: [5], data: exact }, { rtol: 0, atol: 5e-7 });
    expectClose(activation(x, 'gelu_tanh'), { shape: [5], data: tanhForm }, { rtol: 0, atol: 5e-7 });
    expect(() => gelu(x, 'erf' as 'none')).toThrow(OptionError);
    x.dispose();
  });
});
