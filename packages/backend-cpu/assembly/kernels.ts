// AssemblyScript source of the SIMD kernels (compiled by scripts/build-wasm.mjs, not by tsc).
//
// Every export takes (p, tid, nt): `p` points at an i32 parameter block written by the host,
// `tid`/`nt` are this thread's index and the thread count. Work is split into items that the
// threads claim from an atomic counter inside the parameter block, so a slow or absent helper
// thread never changes the result — the other thread simply takes more items.
// Pointers and strides in parameter blocks are in bytes; sizes are in elements.

// Per-thread scratch (edge tiles) lives at a fixed place below the host's heap.
const SCRATCH: usize = 4096;

@inline function prm(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function claim(p: usize, slot: i32): i32 {
  return atomic.add<i32>(p + (<usize>slot << 2), 1);
}

@inline function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

const ACT_RELU = 1;
const ACT_RELU6 = 2;

@inline function epilogue(v: v128, bias: v128, act: i32): v128 {
  let r = f32x4.add(v, bias);
  if (act == ACT_RELU) r = f32x4.max(r, f32x4.splat(0));
  else if (act == ACT_RELU6) r = f32x4.min(f32x4.max(r, f32x4.splat(0)), f32x4.splat(6));
  return r;
}

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

/**
 * C[M×N] = A[M×K] · B (+bias[N]) (activation) (+= C when accumulating). B is packed by `packB`
 * into ⌈N/16⌉ panels of K×16. Params: a rsA csA bp c ldc M N K bias act accumulate MB NBP
 * counter batch aStride bStride cStride — `batch` independent products (byte strides apart).
 * Items are MB rows × NBP panels of one product.
 */
export function gemm(p: usize, tid: i32, nt: i32): void {
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
    const j0 = nb * NBP, j1 = min(panels, j0 + NBP);
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

/**
 * im2col for NHWC input: row r = (n, oh, ow) of the output gets the KH·KW·C taps it reads.
 * A tap reads the virtual input (zeros inserted `lH-1`/`lW-1` between pixels, used for
 * transposed convolutions) at oh·sH − padT + kh·dH; outside it reads zero.
 * Params: x N H W C OH OW KH KW sH sW dH dW padT padL lH lW dst rowStart rowEnd counter.
 */
export function im2col(p: usize, tid: i32, nt: i32): void {
  const x = <usize>prm(p, 0), H = prm(p, 2), W = prm(p, 3), C = prm(p, 4);
  const OH = prm(p, 5), OW = prm(p, 6), KH = prm(p, 7), KW = prm(p, 8);
  const sH = prm(p, 9), sW = prm(p, 10), dH = prm(p, 11), dW = prm(p, 12);
  const padT = prm(p, 13), padL = prm(p, 14), lH = prm(p, 15), lW = prm(p, 16);
  const dst = <usize>prm(p, 17), r0 = prm(p, 18), r1 = prm(p, 19);
  const vH = (H - 1) * lH + 1, vW = (W - 1) * lW + 1;
  const cBytes = <usize>C << 2;
  const rowBytes = <usize>(KH * KW) * cBytes;
  const chunks = (r1 - r0 + 15) >> 4;
  for (let ch = claim(p, 20); ch < chunks; ch = claim(p, 20)) {
    const a = r0 + (ch << 4), b = min(r1, a + 16);
    for (let r = a; r < b; r++) {
      const ow = r % OW;
      const t = r / OW;
      const oh = t % OH, n = t / OH;
      let d = dst + <usize>(r - r0) * rowBytes;
      const xn = x + <usize>n * <usize>(H * W) * cBytes;
      const vw0 = ow * sW - padL;
      // Taps of one kernel row that are adjacent pixels, all inside the input: one copy.
      const runOk = dW == 1 && lW == 1 && vw0 >= 0 && vw0 + KW <= vW;
      for (let kh = 0; kh < KH; kh++) {
        const vh = oh * sH - padT + kh * dH;
        const rowOk = vh >= 0 && vh < vH && vh % lH == 0;
        const xr = xn + <usize>(vh / lH) * <usize>W * cBytes;
        if (runOk) {
          const bytes = <usize>KW * cBytes;
          if (rowOk) memory.copy(d, xr + <usize>vw0 * cBytes, bytes);
          else memory.fill(d, 0, bytes);
          d += bytes;
          continue;
        }
        for (let kw = 0; kw < KW; kw++) {
          const vw = ow * sW - padL + kw * dW;
          if (rowOk && vw >= 0 && vw < vW && vw % lW == 0) {
            memory.copy(d, xr + <usize>(vw / lW) * cBytes, cBytes);
          } else {
            memory.fill(d, 0, cBytes);
          }
          d += cBytes;
        }
      }
    }
  }
}

// First and one-past-last tap k (of K, dilation d) whose input o·s − pad + k·d lies in [0, n).
@inline function tapStart(o: i32, s: i32, pad: i32, d: i32): i32 {
  const at = o * s - pad;
  return at >= 0 ? 0 : (-at + d - 1) / d;
}

@inline function tapEnd(o: i32, s: i32, pad: i32, d: i32, K: i32, n: i32): i32 {
  const at = o * s - pad;
  return at >= n ? 0 : min(K, (n - at + d - 1) / d);
}

// The depthwise kernel for a plain input (no zeros between pixels): tap ranges are worked out
// once per output pixel, and two output pixels share each weight load.
function depthwisePlain(
  p: usize, x: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32,
  sH: i32, sW: i32, dH: i32, dW: i32, padT: i32, padL: i32, w: usize, y: usize, bias: usize, act: i32, rows: i32,
): void {
  const cBytes = <usize>C << 2;
  const C4 = <usize>(C & ~3) << 2;
  const zero = f32x4.splat(0);
  for (let r = claim(p, 21); r < rows; r = claim(p, 21)) {
    const oh = r % OH, n = r / OH;
    const kh0 = tapStart(oh, sH, padT, dH), kh1 = tapEnd(oh, sH, padT, dH, KH, H);
    const xr0 = x + <usize>n * <usize>(H * W) * cBytes + <usize>(oh * sH - padT) * <usize>W * cBytes;
    const yo = y + <usize>r * <usize>OW * cBytes;
    let ow = 0;
    for (; ow < OW; ow++) {
      const kw0 = tapStart(ow, sW, padL, dW), kw1 = tapEnd(ow, sW, padL, dW, KW, W);
      // A second pixel with the same tap range shares the loop.
      const pair = ow + 1 < OW && tapStart(ow + 1, sW, padL, dW) == kw0 && tapEnd(ow + 1, sW, padL, dW, KW, W) == kw1;
      const xc = xr0 + <isize>(ow * sW - padL) * <isize>cBytes;
      const step = <usize>sW * cBytes;
      const out = yo + <usize>ow * cBytes;
      // Four channels at a time, then the odd ones one by one in lane 0.
      for (let c: usize = 0; c < cBytes; ) {
        const vec = c < C4;
        const b = bias != 0 ? lanes(vec, bias + c) : zero;
        let a0 = b, a1 = b;
        for (let kh = kh0; kh < kh1; kh++) {
          const xrow = xc + <usize>(kh * dH) * <usize>W * cBytes + c;
          const wrow = w + <usize>(kh * KW) * cBytes + c;
          for (let kw = kw0; kw < kw1; kw++) {
            const wv = lanes(vec, wrow + <usize>kw * cBytes);
            const xa = xrow + <usize>(kw * dW) * cBytes;
            a0 = madd(a0, lanes(vec, xa), wv);
            if (pair) a1 = madd(a1, lanes(vec, xa + step), wv);
          }
        }
        storeLanes(vec, out + c, activate(a0, act));
        if (pair) storeLanes(vec, out + cBytes + c, activate(a1, act));
        c += vec ? 16 : 4;
      }
      if (pair) ow++;
    }
  }
}

// Four floats, or one in lane 0 (the rest zero) for a channel past the last group of four.
@inline function lanes(vec: bool, at: usize): v128 {
  return vec ? v128.load(at) : v128.load32_zero(at);
}

@inline function storeLanes(vec: bool, at: usize, v: v128): void {
  if (vec) v128.store(at, v);
  else store<f32>(at, f32x4.extract_lane(v, 0));
}

@inline function activate(v: v128, act: i32): v128 {
  if (act == ACT_RELU) return f32x4.max(v, f32x4.splat(0));
  if (act == ACT_RELU6) return f32x4.min(f32x4.max(v, f32x4.splat(0)), f32x4.splat(6));
  return v;
}

/**
 * Depthwise convolution, channel multiplier 1, NHWC; same virtual-input rules as im2col.
 * Params: x N H W C OH OW KH KW sH sW dH dW padT padL lH lW w y bias act counter.
 * Items are output rows (n, oh).
 */
export function depthwise(p: usize, tid: i32, nt: i32): void {
  const x = <usize>prm(p, 0), N = prm(p, 1), H = prm(p, 2), W = prm(p, 3), C = prm(p, 4);
  const OH = prm(p, 5), OW = prm(p, 6), KH = prm(p, 7), KW = prm(p, 8);
  const sH = prm(p, 9), sW = prm(p, 10), dH = prm(p, 11), dW = prm(p, 12);
  const padT = prm(p, 13), padL = prm(p, 14), lH = prm(p, 15), lW = prm(p, 16);
  const w = <usize>prm(p, 17), y = <usize>prm(p, 18), bias = <usize>prm(p, 19), act = prm(p, 20);
  const vH = (H - 1) * lH + 1, vW = (W - 1) * lW + 1;
  const cBytes = <usize>C << 2;
  const C4 = <usize>(C & ~3) << 2;
  const rows = N * OH;
  if (lH == 1 && lW == 1) {
    depthwisePlain(p, x, H, W, C, OH, OW, KH, KW, sH, sW, dH, dW, padT, padL, w, y, bias, act, rows);
    return;
  }
  for (let r = claim(p, 21); r < rows; r = claim(p, 21)) {
    const oh = r % OH, n = r / OH;
    const xn = x + <usize>n * <usize>(H * W) * cBytes;
    let yo = y + <usize>r * <usize>OW * cBytes;
    for (let ow = 0; ow < OW; ow++) {
      for (let c: usize = 0; c < cBytes; ) {
        const vec = c < C4;
        let acc = bias != 0 ? lanes(vec, bias + c) : f32x4.splat(0);
        for (let kh = 0; kh < KH; kh++) {
          const vh = oh * sH - padT + kh * dH;
          if (vh < 0 || vh >= vH || vh % lH != 0) continue;
          const xr = xn + <usize>(vh / lH) * <usize>W * cBytes + c;
          const wr = w + <usize>(kh * KW) * cBytes + c;
          for (let kw = 0; kw < KW; kw++) {
            const vw = ow * sW - padL + kw * dW;
            if (vw < 0 || vw >= vW || vw % lW != 0) continue;
            acc = madd(acc, lanes(vec, xr + <usize>(vw / lW) * cBytes), lanes(vec, wr + <usize>kw * cBytes));
          }
        }
        storeLanes(vec, yo + c, activate(acc, act));
        c += vec ? 16 : 4;
      }
      yo += cBytes;
    }
  }
}

/**
 * Depthwise filter gradient: each thread sums x·dy into its own KH·KW·C partial at
 * partials + tid·KH·KW·C·4 (zeroed by the host, which adds the partials up).
 * Params: x N H W C OH OW KH KW sH sW dH dW padT padL dy partials counter.
 */
export function depthwiseFilterGrad(p: usize, tid: i32, nt: i32): void {
  const x = <usize>prm(p, 0), N = prm(p, 1), H = prm(p, 2), W = prm(p, 3), C = prm(p, 4);
  const OH = prm(p, 5), OW = prm(p, 6), KH = prm(p, 7), KW = prm(p, 8);
  const sH = prm(p, 9), sW = prm(p, 10), dH = prm(p, 11), dW = prm(p, 12);
  const padT = prm(p, 13), padL = prm(p, 14);
  const dy = <usize>prm(p, 15);
  const cBytes = <usize>C << 2;
  const part = <usize>prm(p, 16) + <usize>tid * <usize>(KH * KW) * cBytes;
  const C4 = C & ~3;
  const rows = N * OH;
  for (let r = claim(p, 17); r < rows; r = claim(p, 17)) {
    const oh = r % OH, n = r / OH;
    const xn = x + <usize>n * <usize>(H * W) * cBytes;
    let g = dy + <usize>r * <usize>OW * cBytes;
    for (let ow = 0; ow < OW; ow++) {
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sH - padT + kh * dH;
        if (ih < 0 || ih >= H) continue;
        for (let kw = 0; kw < KW; kw++) {
          const iw = ow * sW - padL + kw * dW;
          if (iw < 0 || iw >= W) continue;
          const xs = xn + <usize>(ih * W + iw) * cBytes;
          const ps = part + <usize>(kh * KW + kw) * cBytes;
          let c = 0;
          for (; c < C4; c += 4) {
            const o = <usize>c << 2;
            v128.store(ps + o, madd(v128.load(ps + o), v128.load(xs + o), v128.load(g + o)));
          }
          for (; c < C; c++) {
            const o = <usize>c << 2;
            store<f32>(ps + o, load<f32>(ps + o) + load<f32>(xs + o) * load<f32>(g + o));
          }
        }
      }
      g += cBytes;
    }
  }
}

// ---- Winograd F(2×2, 3×3) for stride-1 3×3 convolutions (channels a multiple of 4) ----
// V = Bᵀ d B of each 4×4 input tile, U = G g Gᵀ of each filter (host side), M_ξ = V_ξ · U_ξ
// (16 GEMMs, one per transform coordinate ξ), y = Aᵀ M A of each tile: 16 multiplies per 2×2
// outputs instead of 36.

@inline function tileLoad(row: usize, ok: bool, iw: i32, W: i32, cBytes: usize): v128 {
  return ok && iw >= 0 && iw < W ? v128.load(row + <usize>iw * cBytes) : f32x4.splat(0);
}

/**
 * Params: x N H W C tilesH tilesW padT padL V counter. V[ξ][t][c], t = (n·tilesH + th)·tilesW + tw.
 * Items are tile rows (n, th).
 */
export function winogradInput(p: usize, tid: i32, nt: i32): void {
  const x = <usize>prm(p, 0), N = prm(p, 1), H = prm(p, 2), W = prm(p, 3), C = prm(p, 4);
  const tilesH = prm(p, 5), tilesW = prm(p, 6), padT = prm(p, 7), padL = prm(p, 8);
  const V = <usize>prm(p, 9);
  const cBytes = <usize>C << 2;
  const T = N * tilesH * tilesW;
  const xi = <usize>T * cBytes; // bytes between ξ planes
  const rows = N * tilesH;
  for (let r = claim(p, 10); r < rows; r = claim(p, 10)) {
    const th = r % tilesH, n = r / tilesH;
    const ih = th * 2 - padT;
    const xn = x + <usize>n * <usize>(H * W) * cBytes;
    const ok0 = ih >= 0 && ih < H, ok1 = ih + 1 >= 0 && ih + 1 < H, ok2 = ih + 2 >= 0 && ih + 2 < H, ok3 = ih + 3 >= 0 && ih + 3 < H;
    const r0 = xn + <usize>(ok0 ? ih : 0) * <usize>W * cBytes;
    const r1 = xn + <usize>(ok1 ? ih + 1 : 0) * <usize>W * cBytes;
    const r2 = xn + <usize>(ok2 ? ih + 2 : 0) * <usize>W * cBytes;
    const r3 = xn + <usize>(ok3 ? ih + 3 : 0) * <usize>W * cBytes;
    for (let tw = 0; tw < tilesW; tw++) {
      const iw = tw * 2 - padL;
      let dst = V + (<usize>(r * tilesW + tw)) * cBytes;
      for (let c: usize = 0; c < cBytes; c += 16) {
        // W = Bᵀ d (combine rows), column by column.
        let d0 = tileLoad(r0 + c, ok0, iw, W, cBytes), d1 = tileLoad(r1 + c, ok1, iw, W, cBytes);
        let d2 = tileLoad(r2 + c, ok2, iw, W, cBytes), d3 = tileLoad(r3 + c, ok3, iw, W, cBytes);
        const w00 = f32x4.sub(d0, d2), w10 = f32x4.add(d1, d2), w20 = f32x4.sub(d2, d1), w30 = f32x4.sub(d1, d3);
        d0 = tileLoad(r0 + c, ok0, iw + 1, W, cBytes); d1 = tileLoad(r1 + c, ok1, iw + 1, W, cBytes);
        d2 = tileLoad(r2 + c, ok2, iw + 1, W, cBytes); d3 = tileLoad(r3 + c, ok3, iw + 1, W, cBytes);
        const w01 = f32x4.sub(d0, d2), w11 = f32x4.add(d1, d2), w21 = f32x4.sub(d2, d1), w31 = f32x4.sub(d1, d3);
        d0 = tileLoad(r0 + c, ok0, iw + 2, W, cBytes); d1 = tileLoad(r1 + c, ok1, iw + 2, W, cBytes);
        d2 = tileLoad(r2 + c, ok2, iw + 2, W, cBytes); d3 = tileLoad(r3 + c, ok3, iw + 2, W, cBytes);
        const w02 = f32x4.sub(d0, d2), w12 = f32x4.add(d1, d2), w22 = f32x4.sub(d2, d1), w32 = f32x4.sub(d1, d3);
        d0 = tileLoad(r0 + c, ok0, iw + 3, W, cBytes); d1 = tileLoad(r1 + c, ok1, iw + 3, W, cBytes);
        d2 = tileLoad(r2 + c, ok2, iw + 3, W, cBytes); d3 = tileLoad(r3 + c, ok3, iw + 3, W, cBytes);
        const w03 = f32x4.sub(d0, d2), w13 = f32x4.add(d1, d2), w23 = f32x4.sub(d2, d1), w33 = f32x4.sub(d1, d3);
        // V = W B (combine columns).
        const o = dst + c;
        v128.store(o, f32x4.sub(w00, w02));
        v128.store(o + xi, f32x4.add(w01, w02));
        v128.store(o + 2 * xi, f32x4.sub(w02, w01));
        v128.store(o + 3 * xi, f32x4.sub(w01, w03));
        v128.store(o + 4 * xi, f32x4.sub(w10, w12));
        v128.store(o + 5 * xi, f32x4.add(w11, w12));
        v128.store(o + 6 * xi, f32x4.sub(w12, w11));
        v128.store(o + 7 * xi, f32x4.sub(w11, w13));
        v128.store(o + 8 * xi, f32x4.sub(w20, w22));
        v128.store(o + 9 * xi, f32x4.add(w21, w22));
        v128.store(o + 10 * xi, f32x4.sub(w22, w21));
        v128.store(o + 11 * xi, f32x4.sub(w21, w23));
        v128.store(o + 12 * xi, f32x4.sub(w30, w32));
        v128.store(o + 13 * xi, f32x4.add(w31, w32));
        v128.store(o + 14 * xi, f32x4.sub(w32, w31));
        v128.store(o + 15 * xi, f32x4.sub(w31, w33));
      }
    }
  }
}

@inline function withOld(v: v128, at: usize, accumulate: i32): v128 {
  return accumulate ? f32x4.add(v, v128.load(at)) : v;
}

/**
 * Params: M N OH OW C tilesH tilesW y bias act accumulate counter. M[ξ][t][c] → y (NHWC), plus
 * y's previous values when accumulating (a residual), bias and activation. Items are tile rows (n, th).
 */
export function winogradOutput(p: usize, tid: i32, nt: i32): void {
  const Mp = <usize>prm(p, 0), N = prm(p, 1), OH = prm(p, 2), OW = prm(p, 3), C = prm(p, 4);
  const tilesH = prm(p, 5), tilesW = prm(p, 6), y = <usize>prm(p, 7), bias = <usize>prm(p, 8), act = prm(p, 9);
  const accumulate = prm(p, 10);
  const cBytes = <usize>C << 2;
  const T = N * tilesH * tilesW;
  const xi = <usize>T * cBytes;
  const rows = N * tilesH;
  const zero = f32x4.splat(0);
  for (let r = claim(p, 11); r < rows; r = claim(p, 11)) {
    const th = r % tilesH, n = r / tilesH;
    const oh = th * 2;
    const two = oh + 1 < OH;
    const yr = y + (<usize>(n * OH + oh) * <usize>OW) * cBytes;
    for (let tw = 0; tw < tilesW; tw++) {
      const ow = tw * 2;
      const twoW = ow + 1 < OW;
      const src = Mp + (<usize>(r * tilesW + tw)) * cBytes;
      for (let c: usize = 0; c < cBytes; c += 16) {
        const s = src + c;
        // Z = Aᵀ M (rows), then Y = Z A (columns).
        let m0 = v128.load(s), m1 = v128.load(s + 4 * xi), m2 = v128.load(s + 8 * xi), m3 = v128.load(s + 12 * xi);
        const z00 = f32x4.add(f32x4.add(m0, m1), m2), z10 = f32x4.sub(f32x4.sub(m1, m2), m3);
        m0 = v128.load(s + xi); m1 = v128.load(s + 5 * xi); m2 = v128.load(s + 9 * xi); m3 = v128.load(s + 13 * xi);
        const z01 = f32x4.add(f32x4.add(m0, m1), m2), z11 = f32x4.sub(f32x4.sub(m1, m2), m3);
        m0 = v128.load(s + 2 * xi); m1 = v128.load(s + 6 * xi); m2 = v128.load(s + 10 * xi); m3 = v128.load(s + 14 * xi);
        const z02 = f32x4.add(f32x4.add(m0, m1), m2), z12 = f32x4.sub(f32x4.sub(m1, m2), m3);
        m0 = v128.load(s + 3 * xi); m1 = v128.load(s + 7 * xi); m2 = v128.load(s + 11 * xi); m3 = v128.load(s + 15 * xi);
        const z03 = f32x4.add(f32x4.add(m0, m1), m2), z13 = f32x4.sub(f32x4.sub(m1, m2), m3);
        const b = bias != 0 ? v128.load(bias + c) : zero;
        const d = yr + <usize>ow * cBytes + c;
        const d1 = d + <usize>OW * cBytes;
        v128.store(d, epilogue(withOld(f32x4.add(f32x4.add(z00, z01), z02), d, accumulate), b, act));
        if (twoW) v128.store(d + cBytes, epilogue(withOld(f32x4.sub(f32x4.sub(z01, z02), z03), d + cBytes, accumulate), b, act));
        if (two) {
          v128.store(d1, epilogue(withOld(f32x4.add(f32x4.add(z10, z11), z12), d1, accumulate), b, act));
          if (twoW) v128.store(d1 + cBytes, epilogue(withOld(f32x4.sub(f32x4.sub(z11, z12), z13), d1 + cBytes, accumulate), b, act));
        }
      }
    }
  }
}

// ---- Elementwise ops (branch-free SIMD: a JS `x < 0 ? 0 : x` mispredicts on half of the
// values of a post-batch-norm activation) ----

const OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3, OP_RSUB = 4, OP_RDIV = 5;
const OP_RELU = 10, OP_RELU6 = 11, OP_STEP = 12, OP_SIGMOID = 13;

// e^x for f32 lanes (Cephes expf): x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6
// polynomial, times 2^n applied as two powers of two (so that results near the ends of the
// range, denormals included, need no special case). ~1 ulp; +Infinity above 88.72, NaN stays NaN.
@inline function expf4(x: v128): v128 {
  const big = f32x4.gt(x, f32x4.splat(88.72283));
  const xc = f32x4.max(x, f32x4.splat(-104)); // e^-104 is below the smallest denormal
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, r), r), f32x4.add(r, f32x4.splat(1)));
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const half = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), i32x4.splat(127)), 23);
  return v128.bitselect(f32x4.splat(Infinity), f32x4.mul(f32x4.mul(p, s1), s2), big);
}

@inline function binop(op: i32, x: v128, y: v128): v128 {
  switch (op) {
    case OP_ADD: return f32x4.add(x, y);
    case OP_SUB: return f32x4.sub(x, y);
    case OP_MUL: return f32x4.mul(x, y);
    case OP_DIV: return f32x4.div(x, y);
    case OP_RSUB: return f32x4.sub(y, x);
    default: return f32x4.div(y, x);
  }
}

@inline function unop(op: i32, x: v128, alpha: v128): v128 {
  const zero = f32x4.splat(0);
  if (op == OP_RELU) return f32x4.max(x, zero);
  if (op == OP_RELU6) return f32x4.min(f32x4.max(x, zero), f32x4.splat(6));
  if (op == OP_SIGMOID) return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expf4(f32x4.neg(x))));
  // Step: 1 where x > 0, alpha elsewhere, NaN stays NaN.
  const r = v128.bitselect(f32x4.splat(1), alpha, f32x4.gt(x, zero));
  return v128.bitselect(x, r, f32x4.ne(x, x));
}

// y[i] = a[i] op b[i or 0] over `len` floats (vectors, then a scalar tail through lane 0).
function span(op: i32, a: usize, b: usize, bScalar: bool, y: usize, len: i32, alpha: v128): void {
  const bv = bScalar ? v128.load32_splat(b) : f32x4.splat(0);
  const unary = op >= OP_RELU;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(a + o);
    v128.store(y + o, unary ? unop(op, x, alpha) : binop(op, x, bScalar ? bv : v128.load(b + o)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    const x = v128.load32_zero(a + o);
    const r = unary ? unop(op, x, alpha) : binop(op, x, bScalar ? bv : v128.load32_zero(b + o));
    store<f32>(y + o, f32x4.extract_lane(r, 0));
  }
}

/**
 * y = a op b where b repeats with `period` floats (1: a scalar, n: same shape, else a vector
 * along the last axis); unary ops ignore b. Params: a b y n period op alphaBits counter.
 * Items are chunks of whole periods.
 */
export function elementwise(p: usize, tid: i32, nt: i32): void {
  const a = <usize>prm(p, 0), b = <usize>prm(p, 1), y = <usize>prm(p, 2);
  const n = prm(p, 3), period = prm(p, 4), op = prm(p, 5);
  const alpha = v128.load32_splat(p + 24);
  const rowsPer = period > 1 && period < n ? max(1, 16384 / period) : 1;
  const chunk = period > 1 && period < n ? rowsPer * period : 16384;
  const chunks = (n + chunk - 1) / chunk;
  for (let ch = claim(p, 7); ch < chunks; ch = claim(p, 7)) {
    const s = ch * chunk, e = min(n, s + chunk);
    const o = <usize>s << 2;
    if (period == 1 || period >= n) {
      span(op, a + o, period == 1 ? b : b + o, period == 1, y + o, e - s, alpha);
    } else {
      for (let r = s; r < e; r += period) {
        span(op, a + (<usize>r << 2), b, false, y + (<usize>r << 2), period, alpha);
      }
    }
  }
}

// ---- Per-channel statistics and affine maps over channels-last rows (batch norm) ----

/**
 * Per-item partial sums over `rows` rows of C channels: s1 = Σ u (mode 0), s1 = Σ (u − m)²
 * (mode 1), or s1 = Σ u and s2 = Σ u·(v − m) (mode 2). Item i accumulates C floats at
 * s1 + i·C·4 (and s2), which the host zeroes first and adds up in double precision.
 * Params: u v m rows C mode s1 s2 rowsPerItem counter.
 */
export function channelSums(p: usize, tid: i32, nt: i32): void {
  const u = <usize>prm(p, 0), v = <usize>prm(p, 1), m = <usize>prm(p, 2);
  const rows = prm(p, 3), C = prm(p, 4), mode = prm(p, 5);
  const s1 = <usize>prm(p, 6), s2 = <usize>prm(p, 7), per = prm(p, 8);
  const cBytes = <usize>C << 2;
  const C4 = <usize>(C & ~3) << 2;
  const items = (rows + per - 1) / per;
  for (let it = claim(p, 9); it < items; it = claim(p, 9)) {
    const r0 = it * per, r1 = min(rows, r0 + per);
    const o1 = s1 + <usize>it * cBytes, o2 = s2 + <usize>it * cBytes;
    for (let r = r0; r < r1; r++) {
      const ur = u + <usize>r * cBytes, vr = v + <usize>r * cBytes;
      let c: usize = 0;
      for (; c < C4; c += 16) {
        const x = v128.load(ur + c);
        if (mode == 0) v128.store(o1 + c, f32x4.add(v128.load(o1 + c), x));
        else if (mode == 1) {
          const d = f32x4.sub(x, v128.load(m + c));
          v128.store(o1 + c, madd(v128.load(o1 + c), d, d));
        } else {
          v128.store(o1 + c, f32x4.add(v128.load(o1 + c), x));
          v128.store(o2 + c, madd(v128.load(o2 + c), x, f32x4.sub(v128.load(vr + c), v128.load(m + c))));
        }
      }
      for (; c < cBytes; c += 4) {
        const x = load<f32>(ur + c);
        if (mode == 0) store<f32>(o1 + c, load<f32>(o1 + c) + x);
        else if (mode == 1) {
          const d = x - load<f32>(m + c);
          store<f32>(o1 + c, load<f32>(o1 + c) + d * d);
        } else {
          store<f32>(o1 + c, load<f32>(o1 + c) + x);
          store<f32>(o2 + c, load<f32>(o2 + c) + x * (load<f32>(vr + c) - load<f32>(m + c)));
        }
      }
    }
  }
}

/**
 * y = u·a[c] + v·b[c] + d[c] over `rows` rows of C channels (v = 0: y = u·a[c] + d[c]).
 * y may be u or v. Params: u v a b d y rows C counter. Items are chunks of rows.
 */
export function channelAffine(p: usize, tid: i32, nt: i32): void {
  const u = <usize>prm(p, 0), v = <usize>prm(p, 1), a = <usize>prm(p, 2), b = <usize>prm(p, 3);
  const d = <usize>prm(p, 4), y = <usize>prm(p, 5), rows = prm(p, 6), C = prm(p, 7);
  const cBytes = <usize>C << 2;
  const C4 = <usize>(C & ~3) << 2;
  const per = max(1, 16384 / C);
  const items = (rows + per - 1) / per;
  for (let it = claim(p, 8); it < items; it = claim(p, 8)) {
    const r1 = min(rows, (it + 1) * per);
    for (let r = it * per; r < r1; r++) {
      const off = <usize>r * cBytes;
      let c: usize = 0;
      for (; c < C4; c += 16) {
        let acc = madd(v128.load(d + c), v128.load(u + off + c), v128.load(a + c));
        if (v != 0) acc = madd(acc, v128.load(v + off + c), v128.load(b + c));
        v128.store(y + off + c, acc);
      }
      for (; c < cBytes; c += 4) {
        let acc = load<f32>(d + c) + load<f32>(u + off + c) * load<f32>(a + c);
        if (v != 0) acc += load<f32>(v + off + c) * load<f32>(b + c);
        store<f32>(y + off + c, acc);
      }
    }
  }
}

/**
 * Max pooling, NHWC; taps outside the input are skipped and NaN never wins (as in tfjs).
 * Params: x N H W C OH OW KH KW sH sW padT padL y counter. Items are output rows (n, oh).
 */
export function maxPool(p: usize, tid: i32, nt: i32): void {
  const x = <usize>prm(p, 0), H = prm(p, 2), W = prm(p, 3), C = prm(p, 4);
  const OH = prm(p, 5), OW = prm(p, 6), KH = prm(p, 7), KW = prm(p, 8);
  const sH = prm(p, 9), sW = prm(p, 10), padT = prm(p, 11), padL = prm(p, 12), y = <usize>prm(p, 13);
  const cBytes = <usize>C << 2;
  const C4 = <usize>(C & ~3) << 2;
  const rows = prm(p, 1) * OH;
  const lowest = f32x4.splat(-Infinity);
  for (let r = claim(p, 14); r < rows; r = claim(p, 14)) {
    const oh = r % OH, n = r / OH;
    const h0 = max(0, oh * sH - padT), h1 = min(H, oh * sH - padT + KH);
    const xn = x + <usize>n * <usize>(H * W) * cBytes;
    let yo = y + <usize>r * <usize>OW * cBytes;
    for (let ow = 0; ow < OW; ow++) {
      const w0 = max(0, ow * sW - padL), w1 = min(W, ow * sW - padL + KW);
      let c: usize = 0;
      for (; c < C4; c += 16) {
        let acc = lowest;
        for (let h = h0; h < h1; h++) {
          const row = xn + <usize>(h * W) * cBytes + c;
          for (let w = w0; w < w1; w++) acc = f32x4.pmax(acc, v128.load(row + <usize>w * cBytes));
        }
        v128.store(yo + c, acc);
      }
      for (; c < cBytes; c += 4) {
        let acc: f32 = -Infinity;
        for (let h = h0; h < h1; h++) {
          const row = xn + <usize>(h * W) * cBytes + c;
          for (let w = w0; w < w1; w++) {
            const v = load<f32>(row + <usize>w * cBytes);
            if (v > acc) acc = v;
          }
        }
        store<f32>(yo + c, acc);
      }
      yo += cBytes;
    }
  }
}

/**
 * Max pooling's gradient, NHWC: each window's dy goes to its first maximum in row-major order
 * (a later equal value does not take it, NaN never wins, an all -Infinity window passes
 * nothing), as in tfjs and PyTorch. Params: x dy dx N H W C OH OW KH KW sH sW padT padL counter.
 * Items are images (overlapping windows of one image add into the same dx).
 */
export function maxPoolGrad(p: usize, tid: i32, nt: i32): void {
  const x = <usize>prm(p, 0), dy = <usize>prm(p, 1), dx = <usize>prm(p, 2);
  const N = prm(p, 3), H = prm(p, 4), W = prm(p, 5), C = prm(p, 6);
  const OH = prm(p, 7), OW = prm(p, 8), KH = prm(p, 9), KW = prm(p, 10);
  const sH = prm(p, 11), sW = prm(p, 12), padT = prm(p, 13), padL = prm(p, 14);
  const cBytes = <usize>C << 2;
  const C4 = <usize>(C & ~3) << 2;
  const image = <usize>(H * W) * cBytes;
  const lanes = i32x4(0, 4, 8, 12);
  for (let n = claim(p, 15); n < N; n = claim(p, 15)) {
    const xn = x + <usize>n * image, dxn = dx + <usize>n * image;
    memory.fill(dxn, 0, image);
    let g = dy + <usize>(n * OH * OW) * cBytes;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = max(0, oh * sH - padT), h1 = min(H, oh * sH - padT + KH);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = max(0, ow * sW - padL), w1 = min(W, ow * sW - padL + KW);
        let c: usize = 0;
        for (; c < C4; c += 16) {
          let best = f32x4.splat(-Infinity);
          let at = i32x4.splat(-1);
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const off = <usize>(h * W + w) * cBytes + c;
              const v = v128.load(xn + off);
              const m = f32x4.gt(v, best);
              best = v128.bitselect(v, best, m);
              at = v128.bitselect(i32x4.add(i32x4.splat(<i32>off), lanes), at, m);
            }
          }
          const gv = v128.load(g + c);
          let a = i32x4.extract_lane(at, 0);
          if (a >= 0) store<f32>(dxn + <usize>a, load<f32>(dxn + <usize>a) + f32x4.extract_lane(gv, 0));
          a = i32x4.extract_lane(at, 1);
          if (a >= 0) store<f32>(dxn + <usize>a, load<f32>(dxn + <usize>a) + f32x4.extract_lane(gv, 1));
          a = i32x4.extract_lane(at, 2);
          if (a >= 0) store<f32>(dxn + <usize>a, load<f32>(dxn + <usize>a) + f32x4.extract_lane(gv, 2));
          a = i32x4.extract_lane(at, 3);
          if (a >= 0) store<f32>(dxn + <usize>a, load<f32>(dxn + <usize>a) + f32x4.extract_lane(gv, 3));
        }
        for (; c < cBytes; c += 4) {
          let best: f32 = -Infinity;
          let at: isize = -1;
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const off = <usize>(h * W + w) * cBytes + c;
              const v = load<f32>(xn + off);
              if (v > best) {
                best = v;
                at = <isize>off;
              }
            }
          }
          if (at >= 0) store<f32>(dxn + <usize>at, load<f32>(dxn + <usize>at) + load<f32>(g + c));
        }
        g += cBytes;
      }
    }
  }
}
