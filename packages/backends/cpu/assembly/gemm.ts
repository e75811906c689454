// SGEMM: B packed into 16-column panels, a 2-row × 16-column micro-kernel (eight f32x4
// accumulators) with the bias / activation / accumulate epilogue, and 4-row × 8-column tiles for
// a last panel of 8 columns or fewer (the thin 1×1 convolutions of mobile networks).
import { claim, epilogue, madd, prm, SCRATCH, setupConstants } from './common';

// Stores four accumulators (16 columns of one row) with bias/activation/accumulate, writing
// only `ncols` columns (the rest go to a per-thread scratch row that is then copied).
@inline function storeRow(
  c: usize, ncols: i32, tmp: usize, v0: v128, v1: v128, v2: v128, v3: v128,
  bias: usize, act: i32, accumulate: i32,
): void {
  const full = ncols >= 16;
  const dst = full ? c : tmp;
  if (accumulate) {
    if (!full) memory.copy(tmp, c, <usize>ncols << 2);
    v0 = f32x4.add(v0, v128.load(dst));
    v1 = f32x4.add(v1, v128.load(dst, 16));
    v2 = f32x4.add(v2, v128.load(dst, 32));
    v3 = f32x4.add(v3, v128.load(dst, 48));
  }
  if (bias != 0 || act != 0) {
    const z = f32x4.splat(0);
    const b0 = bias != 0 ? v128.load(bias) : z;
    const b1 = bias != 0 ? v128.load(bias, 16) : z;
    const b2 = bias != 0 ? v128.load(bias, 32) : z;
    const b3 = bias != 0 ? v128.load(bias, 48) : z;
    v0 = epilogue(v0, b0, act);
    v1 = epilogue(v1, b1, act);
    v2 = epilogue(v2, b2, act);
    v3 = epilogue(v3, b3, act);
  }
  v128.store(dst, v0);
  v128.store(dst, v1, 16);
  v128.store(dst, v2, 32);
  v128.store(dst, v3, 48);
  if (!full) memory.copy(c, tmp, <usize>ncols << 2);
}

// C[2×16] (op)= A[2×K] · Bpanel[K×16]. A element (i,k) is at a + i·rsA + k·csA.
function micro2(a: usize, rsA: usize, csA: usize, b: usize, K: i32, c: usize, ldc: usize, ncols: i32,
  tmp: usize, bias: usize, act: i32, accumulate: i32): void {
  let c00 = f32x4.splat(0), c01 = c00, c02 = c00, c03 = c00;
  let c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  let pa = a;
  let pb = b;
  const end = b + (<usize>K << 6);
  while (pb < end) {
    const x0 = v128.load32_splat(pa);
    const x1 = v128.load32_splat(pa + rsA);
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const b2 = v128.load(pb, 32);
    const b3 = v128.load(pb, 48);
    c00 = madd(c00, x0, b0);
    c01 = madd(c01, x0, b1);
    c02 = madd(c02, x0, b2);
    c03 = madd(c03, x0, b3);
    c10 = madd(c10, x1, b0);
    c11 = madd(c11, x1, b1);
    c12 = madd(c12, x1, b2);
    c13 = madd(c13, x1, b3);
    pa += csA;
    pb += 64;
  }
  storeRow(c, ncols, tmp, c00, c01, c02, c03, bias, act, accumulate);
  storeRow(c + ldc, ncols, tmp, c10, c11, c12, c13, bias, act, accumulate);
}

function micro1(a: usize, csA: usize, b: usize, K: i32, c: usize, ncols: i32,
  tmp: usize, bias: usize, act: i32, accumulate: i32): void {
  let c00 = f32x4.splat(0), c01 = c00, c02 = c00, c03 = c00;
  let pa = a;
  let pb = b;
  const end = b + (<usize>K << 6);
  while (pb < end) {
    const x0 = v128.load32_splat(pa);
    c00 = madd(c00, x0, v128.load(pb));
    c01 = madd(c01, x0, v128.load(pb, 16));
    c02 = madd(c02, x0, v128.load(pb, 32));
    c03 = madd(c03, x0, v128.load(pb, 48));
    pa += csA;
    pb += 64;
  }
  storeRow(c, ncols, tmp, c00, c01, c02, c03, bias, act, accumulate);
}

// The last panel when it holds 8 columns or fewer (N = 24, 40, 72, 120 … in the thin 1×1
// convolutions): 8-column tiles of four rows read the panel's first half, so no multiply is spent
// on its zero padding and no store goes through the scratch row (unless fewer than 8 columns).
@inline function storeRow8(
  c: usize, ncols: i32, tmp: usize, v0: v128, v1: v128, bias: usize, act: i32, accumulate: i32,
): void {
  const full = ncols >= 8;
  const dst = full ? c : tmp;
  if (accumulate) {
    if (!full) memory.copy(tmp, c, <usize>ncols << 2);
    v0 = f32x4.add(v0, v128.load(dst));
    v1 = f32x4.add(v1, v128.load(dst, 16));
  }
  if (bias != 0 || act != 0) {
    const z = f32x4.splat(0);
    v0 = epilogue(v0, bias != 0 ? v128.load(bias) : z, act);
    v1 = epilogue(v1, bias != 0 ? v128.load(bias, 16) : z, act);
  }
  v128.store(dst, v0);
  v128.store(dst, v1, 16);
  if (!full) memory.copy(c, tmp, <usize>ncols << 2);
}

// C[4×8] (op)= A[4×K] · (the first 8 columns of) Bpanel[K×16].
function micro4x8(a: usize, rsA: usize, csA: usize, b: usize, K: i32, c: usize, ldc: usize, ncols: i32,
  tmp: usize, bias: usize, act: i32, accumulate: i32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00;
  let c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  let pa = a;
  let pb = b;
  const end = b + (<usize>K << 6);
  while (pb < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const x0 = v128.load32_splat(pa);
    const x1 = v128.load32_splat(pa + rsA);
    c00 = madd(c00, x0, b0);
    c01 = madd(c01, x0, b1);
    c10 = madd(c10, x1, b0);
    c11 = madd(c11, x1, b1);
    const x2 = v128.load32_splat(pa + 2 * rsA);
    const x3 = v128.load32_splat(pa + 3 * rsA);
    c20 = madd(c20, x2, b0);
    c21 = madd(c21, x2, b1);
    c30 = madd(c30, x3, b0);
    c31 = madd(c31, x3, b1);
    pa += csA;
    pb += 64;
  }
  storeRow8(c, ncols, tmp, c00, c01, bias, act, accumulate);
  storeRow8(c + ldc, ncols, tmp, c10, c11, bias, act, accumulate);
  storeRow8(c + 2 * ldc, ncols, tmp, c20, c21, bias, act, accumulate);
  storeRow8(c + 3 * ldc, ncols, tmp, c30, c31, bias, act, accumulate);
}

function micro1x8(a: usize, csA: usize, b: usize, K: i32, c: usize, ncols: i32,
  tmp: usize, bias: usize, act: i32, accumulate: i32): void {
  let c00 = f32x4.splat(0), c01 = c00;
  let pa = a;
  let pb = b;
  const end = b + (<usize>K << 6);
  while (pb < end) {
    const x0 = v128.load32_splat(pa);
    c00 = madd(c00, x0, v128.load(pb));
    c01 = madd(c01, x0, v128.load(pb, 16));
    pa += csA;
    pb += 64;
  }
  storeRow8(c, ncols, tmp, c00, c01, bias, act, accumulate);
}

/**
 * C[M×N] = A[M×K] · B (+bias[N]) (activation) (+= C when accumulating). B is packed by `packB`
 * into ⌈N/16⌉ panels of K×16. Params: a rsA csA bp c ldc M N K bias act accumulate MB NBP
 * counter batch aStride bStride cStride — `batch` independent products (byte strides apart).
 * Items are MB rows × NBP panels of one product.
 */
export function gemm(p: usize, tid: i32, nt: i32): void {
  setupConstants();
  const a0 = <usize>prm(p, 0), rsA = <usize>prm(p, 1), csA = <usize>prm(p, 2);
  const bp0 = <usize>prm(p, 3), c0 = <usize>prm(p, 4), ldc = <usize>prm(p, 5);
  const M = prm(p, 6), N = prm(p, 7), K = prm(p, 8);
  const bias = <usize>prm(p, 9), act = prm(p, 10), accumulate = prm(p, 11);
  const MB = prm(p, 12), NBP = prm(p, 13);
  const panels = (N + 15) >> 4;
  const nMB = (M + MB - 1) / MB, nNB = (panels + NBP - 1) / NBP;
  const perProduct = nMB * nNB;
  const items = perProduct * max(1, prm(p, 15));
  const tmp = SCRATCH + (<usize>tid << 8);
  const panelBytes = <usize>K << 6;
  for (let item = claim(p, 14); item < items; item = claim(p, 14)) {
    const product = <usize>(item / perProduct);
    const a = a0 + product * <usize>prm(p, 16), bp = bp0 + product * <usize>prm(p, 17), c = c0 + product * <usize>prm(p, 18);
    const mb = (item % perProduct) / nNB, nb = item % nNB;
    const i0 = mb * MB, i1 = min(M, i0 + MB);
    const j0 = nb * NBP;
    let j1 = min(panels, j0 + NBP);
    // A last panel of ≤ 8 columns runs in 4×8 tiles after the others.
    const narrow = j1 == panels && N - ((panels - 1) << 4) <= 8;
    if (narrow) {
      j1--;
      const col = j1 << 4;
      const bj = bp + <usize>j1 * panelBytes, bj0 = bias != 0 ? bias + (<usize>col << 2) : 0;
      let i = i0;
      for (; i + 3 < i1; i += 4) {
        micro4x8(a + <usize>i * rsA, rsA, csA, bj, K, c + <usize>i * ldc + (<usize>col << 2), ldc, N - col, tmp, bj0, act, accumulate);
      }
      for (; i < i1; i++) {
        micro1x8(a + <usize>i * rsA, csA, bj, K, c + <usize>i * ldc + (<usize>col << 2), N - col, tmp, bj0, act, accumulate);
      }
    }
    let i = i0;
    for (; i + 1 < i1; i += 2) {
      const ai = a + <usize>i * rsA, ci = c + <usize>i * ldc;
      for (let j = j0; j < j1; j++) {
        const col = j << 4;
        micro2(ai, rsA, csA, bp + <usize>j * panelBytes, K, ci + (<usize>col << 2), ldc, N - col,
          tmp, bias != 0 ? bias + (<usize>col << 2) : 0, act, accumulate);
      }
    }
    if (i < i1) {
      const ai = a + <usize>i * rsA, ci = c + <usize>i * ldc;
      for (let j = j0; j < j1; j++) {
        const col = j << 4;
        micro1(ai, csA, bp + <usize>j * panelBytes, K, ci + (<usize>col << 2), N - col,
          tmp, bias != 0 ? bias + (<usize>col << 2) : 0, act, accumulate);
      }
    }
  }
}

/**
 * Packs K rows of B (element (k,n) at src + k·rsB + n·csB) into 16-column panels of `Ktot`
 * rows each, starting at panel row k0 (so several sources can fill one packed matrix).
 * Params: src rsB csB K N dst counter Ktot k0. Items are panels.
 */
export function packB(p: usize, tid: i32, nt: i32): void {
  const src = <usize>prm(p, 0), rsB = <usize>prm(p, 1), csB = <usize>prm(p, 2);
  const K = prm(p, 3), N = prm(p, 4), dst = <usize>prm(p, 5);
  const Ktot = prm(p, 7), k0 = prm(p, 8);
  const panels = (N + 15) >> 4;
  for (let j = claim(p, 6); j < panels; j = claim(p, 6)) {
    const col = j << 4;
    const ncols = min(16, N - col);
    let d = dst + ((<usize>j * <usize>Ktot + <usize>k0) << 6);
    let s = src + <usize>col * csB;
    if (csB == 4 && ncols == 16) {
      for (let k = 0; k < K; k++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        v128.store(d, v128.load(s, 32), 32);
        v128.store(d, v128.load(s, 48), 48);
        s += rsB;
        d += 64;
      }
    } else {
      for (let k = 0; k < K; k++) {
        let n = 0;
        for (; n < ncols; n++) store<f32>(d + (<usize>n << 2), load<f32>(s + <usize>n * csB));
        for (; n < 16; n++) store<f32>(d + (<usize>n << 2), 0);
        s += rsB;
        d += 64;
      }
    }
  }
}
