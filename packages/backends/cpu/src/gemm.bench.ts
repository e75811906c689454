// The SGEMM micro-kernel alone, on ResNet50's GEMM shapes and on the thin 1×1 convolutions of
// EfficientNet-B0 / MobileNetV3 (K or N of 16…48, bias and an activation in the epilogue):
// `npx vitest bench --run packages/backends/cpu/src/gemm.bench.ts` (relaxed SIMD on Node 20:
// prefix NODE_OPTIONS=--experimental-wasm-relaxed-simd). GFLOP/s = the GFLOP in the name × ops/s.
// THREADS=1 (or 2) runs one thread count only; SHAPES=thin (or square) one group only.
import { afterAll, bench, describe } from 'vitest';
import { Engine } from './wasm/engine';
import { Act, gemm, packB, packedSize } from './wasm/gemm';

const square = [
  [3136, 64, 256],
  [3136, 256, 64],
  [196, 1024, 256],
  [49, 512, 2048],
  [784, 1152, 128],
] as const;

// [M, K, N] of the 1×1 convolutions at batch 1 (M = pixels), with their epilogue activation.
const thin = [
  [12544, 32, 16, Act.Linear], // EfficientNet-B0 stage 1 project (112²)
  [12544, 16, 96, Act.Silu], // stage 2 expand
  [3136, 96, 24, Act.Linear], // stage 2 project (56²)
  [3136, 24, 144, Act.Silu], // stage 2 expand
  [784, 144, 40, Act.Linear], // stage 3 project (28²)
  [784, 40, 240, Act.Silu], // stage 3 expand
  [12544, 16, 64, Act.Relu], // MobileNetV3-large expand (112²)
  [3136, 64, 24, Act.Linear], // project (56²)
  [3136, 24, 72, Act.Relu], // expand
  [784, 72, 40, Act.Linear], // project (28²)
  [784, 40, 120, Act.Hardswish], // expand
] as const;

const actName = Object.fromEntries(Object.entries(Act).map(([k, v]) => [v, k]));
const threadCounts = process.env.THREADS ? [Number(process.env.THREADS)] : [1, 2];
const groups = process.env.SHAPES ? [process.env.SHAPES] : ['square', 'thin'];

for (const threads of threadCounts) {
  describe(`${threads} thread(s)`, () => {
    const e = new Engine({ threads });
    afterAll(() => e.dispose());
    const shapes = [
      ...(groups.includes('square') ? square.map(([M, K, N]) => [M, K, N, Act.Linear] as const) : []),
      ...(groups.includes('thin') ? thin : []),
    ];
    for (const [M, K, N, act] of shapes) {
      const a = e.put(Float32Array.from({ length: M * K }, (_, i) => Math.sin(i)));
      const b = e.put(Float32Array.from({ length: K * N }, (_, i) => Math.cos(i)));
      const bias = e.put(Float32Array.from({ length: N + 16 }, (_, i) => 0.1 * Math.sin(3 * i)));
      const bPacked = e.alloc(packedSize(K, N));
      packB(e, b, N, 1, K, N, bPacked);
      const c = e.alloc(M * N);
      const gflop = ((2 * M * K * N) / 1e9).toFixed(4);
      bench(
        `${M}×${K}×${N} ${actName[act]} (${gflop} GFLOP, relaxed SIMD ${e.relaxedSimd ? 'on' : 'off'})`,
        () => {
          gemm(e, { a, rsA: K, csA: 1, bPacked, c, ldc: N, M, N, K, bias, act });
        },
        { time: 400, warmupIterations: 20 },
      );
    }
  });
}
