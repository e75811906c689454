// Host side of batch norm in training: per-channel sums (partials per block of rows, added up
// here in double precision) and per-channel affine maps, all over channels-last rows.
import type { Engine } from './engine';

const ROWS_PER_ITEM = 64;

export const SumMode = { sum: 0, squaredDeviation: 1, sumAndCrossDeviation: 2 } as const;
export type SumMode = (typeof SumMode)[keyof typeof SumMode];

/**
 * Per-channel Σu (sum), Σ(u − m)² (squaredDeviation), or Σu and Σu·(v − m)
 * (sumAndCrossDeviation) over `rows` rows of C channels at u (and v); m is C floats.
 */
export function channelSums(
  e: Engine,
  mode: SumMode,
  u: number,
  v: number,
  m: number,
  rows: number,
  C: number,
): [Float64Array, Float64Array] {
  const items = Math.ceil(rows / ROWS_PER_ITEM);
  const s1 = e.zeros(items * C);
  const s2 = mode === SumMode.sumAndCrossDeviation ? e.zeros(items * C) : 0;
  e.run('channelSums', [u, v, m, rows, C, mode, s1, s2, ROWS_PER_ITEM, 0], rows * C >= 1 << 16);
  const f = e.f32;
  const total = (base: number) => {
    const out = new Float64Array(C);
    if (base === 0) return out;
    for (let i = 0, k = base >> 2; i < items; i++) for (let c = 0; c < C; c++) out[c] += f[k++];
    return out;
  };
  return [total(s1), total(s2)];
}

/** y = u·a[c] + v·b[c] + d[c] (v = 0: without that term); a, b, d are C floats each. */
export function channelAffine(
  e: Engine,
  u: number,
  v: number,
  a: Float64Array,
  b: Float64Array | undefined,
  d: Float64Array,
  y: number,
  rows: number,
  C: number,
): void {
  const pa = e.put(a);
  const pb = b ? e.put(b) : 0;
  const pd = e.put(d);
  e.run('channelAffine', [u, v, pa, pb, pd, y, rows, C, 0], rows * C >= 1 << 16);
}
