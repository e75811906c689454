// LayerNorm and GELU as the CPU backend's single kernels vs the tfjs-op compositions core runs on
// backends without them, on a ConvNeXt-T stage-1 map at batch 8 ([8,56,56,96]), forward and
// forward + backward: `npx vitest bench --run packages/backends/cpu/src/norm.bench.ts`.
// The backward runs include the loss Σ y·dy (a multiply and a sum), the same on both sides.
import { gelu, geluOps, layerNorm, layerNormOps } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, bench, describe } from 'vitest';
import { enableFastKernels } from './fast-kernels';

enableFastKernels();
await tf.setBackend('cpu');
const shape = [8, 56, 56, 96];
const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
const dy = tf.randomNormal(shape, 0, 1, 'float32', 2);
const gamma = tf.randomNormal([96], 1, 0.1, 'float32', 3) as tf.Tensor1D;
const beta = tf.randomNormal([96], 0, 0.1, 'float32', 4) as tf.Tensor1D;
const options = { time: 2000, warmupIterations: 2 };

type Op = (t: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor;
const forward = (op: Op) => () => tf.tidy(() => void op(x, gamma, beta).dataSync());
const backward = (op: Op, params: boolean) => () =>
  tf.tidy(() => {
    const loss = (t: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(t, g as tf.Tensor1D, b as tf.Tensor1D), dy));
    for (const grad of tf.grads(loss)(params ? [x, gamma, beta] : [x])) grad.dataSync();
  });

const cases: [string, Op, Op, boolean][] = [
  ['layerNorm', (t, g, b) => layerNorm(t, g, b, { eps: 1e-6 }), (t, g, b) => layerNormOps(t, g, b, { eps: 1e-6 }), true],
  ['gelu', (t) => gelu(t), (t) => geluOps(t), false],
  ["gelu 'tanh'", (t) => gelu(t, 'tanh'), (t) => geluOps(t, 'tanh'), false],
];

afterAll(() => tf.dispose([x, dy, gamma, beta]));
for (const [name, kernel, ops, params] of cases) {
  describe(`${name} [8,56,56,96] forward`, () => {
    bench('kernel', forward(kernel), options);
    bench('tfjs ops', forward(ops), options);
  });
  describe(`${name} [8,56,56,96] forward + backward`, () => {
    bench('kernel', backward(kernel, params), options);
    bench('tfjs ops', backward(ops, params), options);
  });
}
