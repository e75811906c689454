// GEMM building blocks on top of the wasm kernels: packing B and running C = A·B with the
// block sizes chosen from the problem shape.
import { ACT_HARDSIGMOID, ACT_HARDSWISH, ACT_LINEAR, ACT_RELU, ACT_RELU6, ACT_SIGMOID, ACT_SILU } from './abi';
import type { Engine } from './engine';

/** Epilogue codes understood by the wasm kernels (defined in abi.ts, which the kernels import too). */
export const Act = {
  Linear: ACT_LINEAR,
  Relu: ACT_RELU,
  Relu6: ACT_RELU6,
  Sigmoid: ACT_SIGMOID,
  Silu: ACT_SILU,
  Hardsigmoid: ACT_HARDSIGMOID,
  Hardswish: ACT_HARDSWISH,
} as const;
export type Act = (typeof Act)[keyof typeof Act];

/** Floats occupied by B packed into 16-column panels. */
export function packedSize(K: number, N: number): number {
  return Math.ceil(N / 16) * 16 * K;
}

/**
 * Packs rows k0..k0+K of a Ktot×N matrix whose element (k,n) is at src + k·rsB + n·csB
 * (strides in elements) into `dst`.
 */
export function packB(e: Engine, src: number, rsB: number, csB: number, K: number, N: number, dst: number, Ktot = K, k0 = 0): void {
  e.run('packB', [src, rsB * 4, csB * 4, K, N, dst, 0, Ktot, k0], K * N >= 1 << 16);
}

export interface GemmArgs {
  /** A element (i,k) at a + i·rsA + k·csA (strides in elements). */
  a: number;
  rsA: number;
  csA: number;
  /** B packed by packB. */
  bPacked: number;
  c: number;
  ldc: number;
  M: number;
  N: number;
  K: number;
  /** Pointer to N (padded) biases, or 0. */
  bias?: number;
  act?: Act;
  accumulate?: boolean;
  /** Independent products computed in one launch, with their element strides. */
  batch?: number;
  aStride?: number;
  bStride?: number;
  cStride?: number;
}

export function gemm(e: Engine, g: GemmArgs): void {
  const panels = Math.ceil(g.N / 16);
  // A tile of MB rows and a B block of NBP panels each stay within ~256 KiB (L2-resident).
  let mb = Math.max(4, Math.min(64, Math.floor(65536 / g.K))) & ~1;
  let nbp = Math.max(1, Math.min(panels, Math.floor(4096 / g.K)));
  const batch = g.batch ?? 1;
  // Keep enough items for the threads to balance.
  while (batch * Math.ceil(g.M / mb) * Math.ceil(panels / nbp) < 4 * e.threads && (mb > 2 || nbp > 1)) {
    if (nbp > 1) nbp = Math.ceil(nbp / 2);
    else mb = Math.max(2, (mb >> 1) & ~1);
  }
  e.run(
    'gemm',
    [
      ...[g.a, g.rsA * 4, g.csA * 4, g.bPacked, g.c, g.ldc * 4, g.M, g.N, g.K, g.bias ?? 0, g.act ?? Act.Linear, g.accumulate ? 1 : 0],
      ...[mb, nbp, 0, batch, (g.aStride ?? 0) * 4, (g.bStride ?? 0) * 4, (g.cStride ?? 0) * 4],
    ],
    batch * g.M * g.N * g.K >= 1 << 15,
  );
}
