// The activations' cost per value, through the `elementwise` wasm kernel on one thread (1M floats
// in [-10, 10], so the loop is not memory bound): `npx vitest bench --run
// packages/backends/cpu/src/activation.bench.ts`. ns/value = 1e9 / (ops/s · 2^20).
import { afterAll, bench, describe } from 'vitest';
import { Engine } from './wasm/engine';
import { ElementwiseOp } from './wasm/elementwise';

const n = 1 << 20;

describe('elementwise activations, 1 thread, 2^20 values', () => {
  const e = new Engine({ threads: 1 });
  afterAll(() => e.dispose());
  const x = e.put(Float32Array.from({ length: n }, (_, i) => 20 * ((i * 0.618034) % 1) - 10));
  const y = e.alloc(n);
  const ops = Object.entries(ElementwiseOp).filter(([name]) =>
    ['relu', 'relu6', 'sigmoid', 'silu', 'exp', 'hardswish', 'hardsigmoid'].includes(name),
  );
  for (const [name, op] of ops) {
    bench(name, () => e.run('elementwise', [x, 0, y, n, 1, op, 0, 0, 0], false), { time: 300, warmupIterations: 10 });
  }
});
