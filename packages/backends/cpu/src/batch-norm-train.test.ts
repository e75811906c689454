import { BatchNormTrainGradKernel, BatchNormTrainKernel, batchNormTrain } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, randn, weightedSum } from './__fixtures__/compare';
import { enableFastKernels } from './fast-kernels';
import { runtime } from './registry';

// The wasm kernels against tfjs autodiff of the same math (what core runs without them).
function outputsAndGrads(x: tf.Tensor, weight: tf.Tensor1D | null, bias: tf.Tensor1D | null, eps = 1e-5): tf.Tensor[] {
  const params = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const loss = (...p: tf.Tensor[]) => {
    const s = batchNormTrain(p[0], {
      weight: weight ? (p[1] as tf.Tensor1D) : null,
      bias: bias ? (p[weight ? 2 : 1] as tf.Tensor1D) : null,
      eps,
    });
    tf.dispose([s.mean, s.variance, s.unbiasedVariance]);
    return weightedSum(s.output, 3);
  };
  const stats = batchNormTrain(x, { weight, bias, eps });
  return [stats.output, stats.mean, stats.variance, stats.unbiasedVariance, ...tf.grads(loss)(params)];
}

describe('batch norm in training (ConvkitBatchNormTrain and its gradient)', () => {
  it.each([
    ['the small CNN', [8, 6, 6, 32]],
    ['one channel', [4, 5, 7, 1]],
    ['odd channels, rows not a multiple of the 64-row blocks', [3, 7, 9, 13]],
    ['many channels, batch 1', [1, 3, 3, 130]],
    ['2-D (a BatchNorm1d-style input)', [37, 6]],
  ] as const)('%s %j: output, statistics and every gradient', (_, shape) => {
    const x = randn([...shape], 2);
    const C = shape[shape.length - 1];
    const weight = randn([C]) as tf.Tensor1D;
    const bias = randn([C]) as tf.Tensor1D;
    compareWithTfjs(() => outputsAndGrads(x, weight, bias));
    compareWithTfjs(() => outputsAndGrads(x, null, null, 1e-3));
  });

  it('a large offset: the variance is of the centred values (no catastrophic cancellation)', () => {
    const x = tf.add(randn([16, 8, 8, 4]), 1000);
    compareWithTfjs(() => outputsAndGrads(x, null, null), { rtol: 1e-3 });
  });

  it('the tfjs-op gradient (a backend with only the forward kernel) agrees with the wasm one', () => {
    const x = randn([6, 5, 5, 12]);
    const weight = randn([12]) as tf.Tensor1D;
    enableFastKernels();
    const wasm = tf.tidy(() => outputsAndGrads(x, weight, null).map((t) => Array.from(t.dataSync())));
    const grad = tf.getKernel(BatchNormTrainGradKernel, 'cpu');
    tf.unregisterKernel(BatchNormTrainGradKernel, 'cpu');
    try {
      const ops = tf.tidy(() => outputsAndGrads(x, weight, null).map((t) => Array.from(t.dataSync())));
      ops.forEach((v, i) => v.forEach((a, j) => expect(Math.abs(a - wasm[i][j])).toBeLessThan(1e-4)));
    } finally {
      if (grad) tf.registerKernel(grad);
    }
  });

  it('runs as two kernels, one launch family each', () => {
    enableFastKernels();
    const x = randn([4, 6, 6, 8]);
    const e = runtime.engine!;
    const before = { sums: e.launches.channelSums ?? 0, affine: e.launches.channelAffine ?? 0 };
    tf.tidy(() => outputsAndGrads(x, randn([8]) as tf.Tensor1D, randn([8]) as tf.Tensor1D));
    // Forward: mean and variance passes + the affine; backward: one sums pass + the affine (x2: the statistics call too).
    expect((e.launches.channelSums ?? 0) - before.sums).toBeGreaterThanOrEqual(3);
    expect((e.launches.channelAffine ?? 0) - before.affine).toBeGreaterThanOrEqual(2);
    expect(tf.getKernel(BatchNormTrainKernel, 'cpu')).toBeDefined();
  });
});
