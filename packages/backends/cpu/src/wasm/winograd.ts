// Winograd F(2×2, 3×3) for stride-1 3×3 convolutions: the input and output transforms run in
// wasm, the 16 transformed-domain products as one batched GEMM launch. 16 multiplies per 2×2
// outputs instead of 36; the transforms only add and halve, so float32 error stays ~1e-6.
import type { ConvGeometry } from './conv';
import type { Engine } from './engine';
import { Act, gemm, packB, packedSize } from './gemm';

/** Whether the geometry suits Winograd (and is big enough for it to pay). */
export function winogradApplies(g: ConvGeometry, outC: number): boolean {
  return (
    g.kH === 3 &&
    g.kW === 3 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.dilH === 1 &&
    g.dilW === 1 &&
    g.lhsH === 1 &&
    g.lhsW === 1 &&
    g.inC % 4 === 0 &&
    outC % 4 === 0 &&
    g.inC >= 16 &&
    outC >= 16
  );
}

/**
 * U_ξ = G g Gᵀ for every (in, out) channel pair, packed as 16 GEMM B operands (in×out each).
 * `at(kh, kw, i, o)` indexes the 3×3 filter (so the transposed filter needs no copy).
 */
export function packWinogradFilter(
  e: Engine,
  key: object,
  w: Float32Array,
  kind: string,
  inC: number,
  outC: number,
  at: (kh: number, kw: number, i: number, o: number) => number,
): number {
  const block = packedSize(inC, outC);
  return e.packed(key, w, `winograd:${kind}:${inC}x${outC}`, 16 * block, (dst) => {
    const u = new Float32Array(16 * inC * outC);
    const plane = inC * outC;
    const g = new Float32Array(9);
    const gg = new Float32Array(12);
    for (let i = 0; i < inC; i++) {
      for (let o = 0; o < outC; o++) {
        for (let t = 0; t < 9; t++) g[t] = w[at((t / 3) | 0, t % 3, i, o)];
        // Gg (4×3): rows g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2.
        for (let c = 0; c < 3; c++) {
          const a = g[c],
            b = g[3 + c],
            d = g[6 + c];
          gg[c] = a;
          gg[3 + c] = 0.5 * (a + b + d);
          gg[6 + c] = 0.5 * (a - b + d);
          gg[9 + c] = d;
        }
        // (Gg)Gᵀ (4×4), the same combination along columns.
        const base = i * outC + o;
        for (let r = 0; r < 4; r++) {
          const a = gg[r * 3],
            b = gg[r * 3 + 1],
            d = gg[r * 3 + 2];
          u[r * 4 * plane + base] = a;
          u[(r * 4 + 1) * plane + base] = 0.5 * (a + b + d);
          u[(r * 4 + 2) * plane + base] = 0.5 * (a - b + d);
          u[(r * 4 + 3) * plane + base] = d;
        }
      }
    }
    const up = e.put(u);
    for (let xi = 0; xi < 16; xi++) packB(e, up + xi * plane * 4, outC, 1, inC, outC, dst + xi * block * 4);
  });
}

/** y = conv(x) (+ y's previous values when `accumulate`: a residual) + bias, then the activation. */
export function convWinograd(
  e: Engine,
  x: number,
  g: ConvGeometry,
  u: number,
  outC: number,
  y: number,
  bias = 0,
  act: Act = Act.Linear,
  accumulate = false,
): void {
  const tilesH = Math.ceil(g.outH / 2);
  const tilesW = Math.ceil(g.outW / 2);
  const T = g.batch * tilesH * tilesW;
  const v = e.alloc(16 * T * g.inC);
  const m = e.alloc(16 * T * outC);
  e.run('winogradInput', [x, g.batch, g.inH, g.inW, g.inC, tilesH, tilesW, g.padTop, g.padLeft, v, 0]);
  gemm(e, {
    a: v,
    rsA: g.inC,
    csA: 1,
    bPacked: u,
    c: m,
    ldc: outC,
    M: T,
    N: outC,
    K: g.inC,
    batch: 16,
    aStride: T * g.inC,
    bStride: packedSize(g.inC, outC),
    cStride: T * outC,
  });
  e.run('winogradOutput', [m, g.batch, g.outH, g.outW, outC, tilesH, tilesW, y, bias, act, accumulate ? 1 : 0, 0]);
}
