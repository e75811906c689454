// Convolutions as im2col + GEMM on the wasm kernels. A geometry describes a stride/dilation/
// padding convolution over a "virtual" input that may have zeros inserted between pixels
// (lhs dilation), which turns a transposed convolution (the input gradient) into a plain one.
import type { Engine } from './engine';
import { Act, gemm, packB, packedSize } from './gemm';

export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilH: number;
  dilW: number;
  padTop: number;
  padLeft: number;
  /** Zeros inserted between input pixels, plus one (1 = none). */
  lhsH: number;
  lhsW: number;
}

/** Largest im2col buffer built at once (floats); bigger problems run in row chunks. */
const CHUNK_FLOATS = 1 << 22;
/** im2col floats per filter-gradient GEMM (1 MiB: it stays in L2 with the packed dy). */
const FILTER_GRAD_FLOATS = 1 << 18;

function isPointwise(g: ConvGeometry): boolean {
  return (
    g.kH === 1 && g.kW === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0 && g.lhsH === 1 && g.lhsW === 1
  );
}

export function geometryParams(g: ConvGeometry): number[] {
  return [
    g.batch,
    g.inH,
    g.inW,
    g.inC,
    g.outH,
    g.outW,
    g.kH,
    g.kW,
    g.strideH,
    g.strideW,
    g.dilH,
    g.dilW,
    g.padTop,
    g.padLeft,
    g.lhsH,
    g.lhsW,
  ];
}

function im2col(e: Engine, x: number, g: ConvGeometry, dst: number, r0: number, r1: number): void {
  e.run('im2col', [x, ...geometryParams(g), dst, r0, r1, 0], (r1 - r0) * g.kH * g.kW * g.inC >= 1 << 15);
}

function rowsPerChunk(K: number, rows: number): number {
  return Math.min(rows, Math.max(16, Math.floor(CHUNK_FLOATS / K)));
}

/** y[rows, outC] = conv(x, W) (+ y's previous values when `accumulate`) where B (K×outC) is already packed. */
export function convForward(
  e: Engine,
  x: number,
  g: ConvGeometry,
  bPacked: number,
  outC: number,
  y: number,
  bias = 0,
  act: Act = Act.Linear,
  accumulate = false,
): void {
  const K = g.kH * g.kW * g.inC;
  const rows = g.batch * g.outH * g.outW;
  if (isPointwise(g)) {
    gemm(e, { a: x, rsA: K, csA: 1, bPacked, c: y, ldc: outC, M: rows, N: outC, K, bias, act, accumulate });
    return;
  }
  const chunk = rowsPerChunk(K, rows);
  const cols = e.alloc(chunk * K);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const r1 = Math.min(rows, r0 + chunk);
    im2col(e, x, g, cols, r0, r1);
    gemm(e, { a: cols, rsA: K, csA: 1, bPacked, c: y + r0 * outC * 4, ldc: outC, M: r1 - r0, N: outC, K, bias, act, accumulate });
  }
}

/** Packs a [kh,kw,in,out] filter as B (K×out) (cached for weights that are used again). */
export function packFilter(e: Engine, key: object, w: Float32Array, K: number, outC: number): number {
  return e.packed(key, w, `conv:${K}x${outC}`, packedSize(K, outC), (dst) => packB(e, e.input(w), outC, 1, K, outC, dst));
}

/**
 * Packs the filter of the transposed convolution: tap (kh,kw) of the result is tap
 * (KH-1-kh, KW-1-kw) of `w` with in/out channels swapped.
 */
export function packFlippedFilter(e: Engine, key: object, w: Float32Array, kH: number, kW: number, inC: number, outC: number): number {
  const taps = kH * kW;
  return e.packed(key, w, `flipped:${kH}x${kW}x${inC}x${outC}`, packedSize(taps * outC, inC), (dst) => {
    const wp = e.input(w);
    for (let t = 0; t < taps; t++) {
      const src = wp + (taps - 1 - t) * inC * outC * 4;
      packB(e, src, 1, outC, outC, inC, dst, taps * outC, t * outC);
    }
  });
}

/** dW[K, outC] = im2col(x)ᵀ · dy, summed over all output pixels. */
export function convFilterGrad(e: Engine, x: number, g: ConvGeometry, dy: number, outC: number, dw: number): void {
  const K = g.kH * g.kW * g.inC;
  const rows = g.batch * g.outH * g.outW;
  const pointwise = isPointwise(g);
  // The reduction runs over output pixels in chunks whose im2col block and packed dy stay in L2
  // (the GEMM reads A with a stride of K floats, so a long chunk streams it from memory).
  const chunk = Math.min(rows, Math.max(512, Math.floor(FILTER_GRAD_FLOATS / K)));
  const cols = pointwise ? 0 : e.alloc(chunk * K);
  const packed = e.alloc(packedSize(chunk, outC));
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const r1 = Math.min(rows, r0 + chunk);
    const a = pointwise ? x + r0 * K * 4 : cols;
    if (!pointwise) im2col(e, x, g, cols, r0, r1);
    packB(e, dy + r0 * outC * 4, outC, 1, r1 - r0, outC, packed);
    gemm(e, { a, rsA: 1, csA: K, bPacked: packed, c: dw, ldc: outC, M: K, N: outC, K: r1 - r0, accumulate: r0 > 0 });
  }
}
