// The SGEMM micro-kernel alone, on ResNet50's GEMM shapes: `npx vitest bench --run
// packages/backends/cpu/src/gemm.bench.ts` (relaxed SIMD on Node 20: prefix
// NODE_OPTIONS=--experimental-wasm-relaxed-simd). GFLOP/s = the GFLOP in the name × ops/s.
import { afterAll, bench, describe } from 'vitest';
import { Engine } from './wasm/engine';
import { gemm, packB, packedSize } from './wasm/gemm';

const shapes = [
  [3136, 64, 256],
  [3136, 256, 64],
  [196, 1024, 256],
  [49, 512, 2048],
  [784, 1152, 128],
] as const;

for (const threads of [1, 2]) {
  describe(`${threads} thread(s)`, () => {
    const e = new Engine({ threads });
    afterAll(() => e.dispose());
    for (const [M, K, N] of shapes) {
      const a = e.put(Float32Array.from({ length: M * K }, (_, i) => Math.sin(i)));
      const b = e.put(Float32Array.from({ length: K * N }, (_, i) => Math.cos(i)));
      const bPacked = e.alloc(packedSize(K, N));
      packB(e, b, N, 1, K, N, bPacked);
      const c = e.alloc(M * N);
      const gflop = ((2 * M * K * N) / 1e9).toFixed(3);
      bench(
        `${M}×${K}×${N} (${gflop} GFLOP, relaxed SIMD ${e.relaxedSimd ? 'on' : 'off'})`,
        () => {
          gemm(e, { a, rsA: K, csA: 1, bPacked, c, ldc: N, M, N, K });
        },
        { time: 400, warmupIterations: 20 },
      );
    }
  });
}
