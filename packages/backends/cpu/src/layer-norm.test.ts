import { GeluGradKernel, GeluKernel, gelu, LayerNormGradKernel, LayerNormKernel, layerNorm } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, randn, weightedSum } from './__fixtures__/compare';
import { enableFastKernels } from './fast-kernels';

// The JS kernels against tfjs autodiff of the same math (what core runs without them); the
// PyTorch references are checked in @convkit/layers' norm-layers.test.ts on both paths.
function layerNormAndGrads(x: tf.Tensor, gamma: tf.Tensor1D | null, beta: tf.Tensor1D | null, eps = 1e-6): tf.Tensor[] {
  const params = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  const loss = (...p: tf.Tensor[]) =>
    weightedSum(layerNorm(p[0], gamma ? (p[1] as tf.Tensor1D) : null, beta ? (p[gamma ? 2 : 1] as tf.Tensor1D) : null, { eps }), 5);
  return [layerNorm(x, gamma, beta, { eps }), ...tf.grads(loss)(params)];
}

function geluAndGrad(x: tf.Tensor, approximate: 'none' | 'tanh'): tf.Tensor[] {
  return [gelu(x, { approximate }), tf.grad((t: tf.Tensor) => weightedSum(gelu(t, { approximate }), 7))(x)];
}

const kernelsRun = async (fn: () => tf.Tensor[]): Promise<string[]> =>
  (await tf.profile(() => tf.tidy(() => tf.dispose(fn())))).kernelNames;

describe('layer norm (ConvkitLayerNorm and its gradient)', () => {
  it.each([
    ['a ConvNeXt stage', [2, 7, 7, 96]],
    ['one channel (the output is β)', [3, 4, 1]],
    ['2-D rows', [37, 6]],
  ] as const)('%s %j: output and every gradient', (_, shape) => {
    const x = randn([...shape], 2);
    const C = shape[shape.length - 1];
    const gamma = randn([C]) as tf.Tensor1D;
    const beta = randn([C]) as tf.Tensor1D;
    compareWithTfjs(() => layerNormAndGrads(x, gamma, beta), { expectWasm: null });
    compareWithTfjs(() => layerNormAndGrads(x, null, null, 1e-3), { expectWasm: null });
    tf.dispose([x, gamma, beta]);
  });

  it('a large offset: the variance is of the centred values (no catastrophic cancellation)', () => {
    const x = tf.add(randn([4, 3, 3, 16]), 1000);
    compareWithTfjs(() => layerNormAndGrads(x, null, null), { rtol: 1e-3, expectWasm: null });
    x.dispose();
  });

  it('the tfjs-op gradient (a backend with only the forward kernel) agrees with the kernel', () => {
    enableFastKernels();
    const x = randn([2, 3, 3, 12]);
    const gamma = randn([12]) as tf.Tensor1D;
    const beta = randn([12]) as tf.Tensor1D;
    const kernel = tf.tidy(() => layerNormAndGrads(x, gamma, beta).map((t) => Array.from(t.dataSync())));
    const grad = tf.getKernel(LayerNormGradKernel, 'cpu');
    tf.unregisterKernel(LayerNormGradKernel, 'cpu');
    try {
      const ops = tf.tidy(() => layerNormAndGrads(x, gamma, beta).map((t) => Array.from(t.dataSync())));
      ops.forEach((v, i) => v.forEach((a, j) => expect(Math.abs(a - kernel[i][j])).toBeLessThan(1e-4)));
    } finally {
      if (grad) tf.registerKernel(grad);
    }
    tf.dispose([x, gamma, beta]);
  });

  it('runs as one kernel each way', async () => {
    enableFastKernels();
    const x = randn([2, 4, 4, 8]);
    const names = await kernelsRun(() => layerNormAndGrads(x, randn([8]) as tf.Tensor1D, randn([8]) as tf.Tensor1D));
    expect(names).toContain(LayerNormKernel);
    expect(names).toContain(LayerNormGradKernel);
    expect(names).not.toContain('Rsqrt');
    x.dispose();
  });
});

describe('GELU (ConvkitGelu and its gradient)', () => {
  it.each(['none', 'tanh'] as const)("approximate '%s': output and gradient over both tails", (approximate) => {
    const x = tf.concat([tf.linspace(-9, 9, 181), randn([2000], 3)]);
    compareWithTfjs(() => geluAndGrad(x, approximate), { expectWasm: null });
    x.dispose();
  });

  it('the tfjs-op gradient (a backend with only the forward kernel) agrees with the kernel', () => {
    enableFastKernels();
    const x = randn([3, 5, 5, 4], 3);
    const grad = tf.getKernel(GeluGradKernel, 'cpu');
    for (const approximate of ['none', 'tanh'] as const) {
      const kernel = tf.tidy(() => geluAndGrad(x, approximate).map((t) => Array.from(t.dataSync())));
      tf.unregisterKernel(GeluGradKernel, 'cpu');
      try {
        const ops = tf.tidy(() => geluAndGrad(x, approximate).map((t) => Array.from(t.dataSync())));
        ops.forEach((v, i) => v.forEach((a, j) => expect(Math.abs(a - kernel[i][j])).toBeLessThan(1e-5)));
      } finally {
        if (grad) tf.registerKernel(grad);
      }
    }
    x.dispose();
  });

  it('runs as one kernel each way (no Erf)', async () => {
    enableFastKernels();
    const x = randn([2, 4, 4, 8]);
    const names = await kernelsRun(() => geluAndGrad(x, 'none'));
    expect(names).toContain(GeluKernel);
    expect(names).toContain(GeluGradKernel);
    expect(names).not.toContain('Erf');
    x.dispose();
  });
});
