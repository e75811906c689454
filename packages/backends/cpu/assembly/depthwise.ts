// Depthwise convolution (channel multiplier 1) and its filter gradient: direct SIMD over channels.
import { activate, claim, lanes, madd, prm, setupConstants, storeLanes, tapEnd, tapStart } from './common';

// Four adjacent output pixels whose taps are all inside the input, `vec`: four channels at c (else
// one, in lane 0). Each weight load serves the four pixels.
@inline function quad(
  vec: bool, xc: usize, step: usize, rowBytes: usize, w: usize, wRowBytes: usize, cBytes: usize, c: usize,
  kh0: i32, kh1: i32, KW: i32, tapBytes: usize, out: usize, bias: usize, act: i32,
): void {
  const b = bias != 0 ? lanes(vec, bias + c) : f32x4.splat(0);
  let a0 = b, a1 = b, a2 = b, a3 = b;
  for (let kh = kh0; kh < kh1; kh++) {
    let xa = xc + <usize>kh * rowBytes + c;
    let wa = w + <usize>kh * wRowBytes + c;
    const wEnd = wa + <usize>KW * cBytes;
    for (; wa < wEnd; wa += cBytes, xa += tapBytes) {
      const wv = lanes(vec, wa);
      a0 = madd(a0, lanes(vec, xa), wv);
      a1 = madd(a1, lanes(vec, xa + step), wv);
      a2 = madd(a2, lanes(vec, xa + 2 * step), wv);
      a3 = madd(a3, lanes(vec, xa + 3 * step), wv);
    }
  }
  storeLanes(vec, out + c, activate(a0, act));
  storeLanes(vec, out + cBytes + c, activate(a1, act));
  storeLanes(vec, out + 2 * cBytes + c, activate(a2, act));
  storeLanes(vec, out + 3 * cBytes + c, activate(a3, act));
}

// The depthwise kernel for a plain input (no zeros between pixels). Inside the input's columns
// four output pixels share each weight load (`quad`); at the borders tap ranges are worked out per
// pixel, and two pixels with the same range share the loop.
function depthwisePlain(
  p: usize, x: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32,
  sH: i32, sW: i32, dH: i32, dW: i32, padT: i32, padL: i32, w: usize, y: usize, bias: usize, act: i32, rows: i32,
): void {
  const cBytes = <usize>C << 2;
  const C4 = <usize>(C & ~3) << 2;
  const zero = f32x4.splat(0);
  const step = <usize>sW * cBytes;
  const rowBytes = <usize>dH * <usize>W * cBytes;
  const tapBytes = <usize>dW * cBytes;
  // Output columns whose every tap is inside [0, W): owLo ≤ ow ≤ owHi.
  const owLo = (padL + sW - 1) / sW;
  const lastStart = W - 1 + padL - (KW - 1) * dW;
  const owHi = lastStart < 0 ? -1 : lastStart / sW;
  for (let r = claim(p, 21); r < rows; r = claim(p, 21)) {
    const oh = r % OH, n = r / OH;
    const kh0 = tapStart(oh, sH, padT, dH), kh1 = tapEnd(oh, sH, padT, dH, KH, H);
    const xr0 = x + <usize>n * <usize>(H * W) * cBytes + <usize>(oh * sH - padT) * <usize>W * cBytes;
    const yo = y + <usize>r * <usize>OW * cBytes;
    for (let ow = 0; ow < OW; ow++) {
      const xc = xr0 + <isize>(ow * sW - padL) * <isize>cBytes;
      const out = yo + <usize>ow * cBytes;
      if (ow >= owLo && ow + 3 <= owHi) {
        let c: usize = 0;
        for (; c < C4; c += 16) quad(true, xc, step, rowBytes, w, <usize>KW * cBytes, cBytes, c, kh0, kh1, KW, tapBytes, out, bias, act);
        for (; c < cBytes; c += 4) quad(false, xc, step, rowBytes, w, <usize>KW * cBytes, cBytes, c, kh0, kh1, KW, tapBytes, out, bias, act);
        ow += 3;
        continue;
      }
      const kw0 = tapStart(ow, sW, padL, dW), kw1 = tapEnd(ow, sW, padL, dW, KW, W);
      // A second pixel with the same tap range shares the loop.
      const pair = ow + 1 < OW && tapStart(ow + 1, sW, padL, dW) == kw0 && tapEnd(ow + 1, sW, padL, dW, KW, W) == kw1;
      // Four channels at a time, then the odd ones one by one in lane 0.
      for (let c: usize = 0; c < cBytes; ) {
        const vec = c < C4;
        const b = bias != 0 ? lanes(vec, bias + c) : zero;
        let a0 = b, a1 = b;
        for (let kh = kh0; kh < kh1; kh++) {
          const xrow = xc + <usize>kh * rowBytes + c;
          const wrow = w + <usize>(kh * KW) * cBytes + c;
          for (let kw = kw0; kw < kw1; kw++) {
            const wv = lanes(vec, wrow + <usize>kw * cBytes);
            const xa = xrow + <usize>kw * tapBytes;
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

/**
 * Depthwise convolution, channel multiplier 1, NHWC; same virtual-input rules as im2col.
 * Params: x N H W C OH OW KH KW sH sW dH dW padT padL lH lW w y bias act counter.
 * Items are output rows (n, oh).
 */
export function depthwise(p: usize, tid: i32, nt: i32): void {
  setupConstants();
  const x = <usize>prm(p, 0), N = prm(p, 1), H = prm(p, 2), W = prm(p, 3), C = prm(p, 4);
  const OH = prm(p, 5), OW = prm(p, 6), KH = prm(p, 7), KW = prm(p, 8);
  const sH = prm(p, 9), sW = prm(p, 10), dH = prm(p, 11), dW = prm(p, 12);
  const padT = prm(p, 13), padL = prm(p, 14), lH = prm(p, 15), lW = prm(p, 16);
  const w = <usize>prm(p, 17), y = <usize>prm(p, 18), bias = <usize>prm(p, 19), act = prm(p, 20);
  const vH = (H - 1) * lH + 1, vW = (W - 1) * lW + 1;
  const rows = N * OH;
  if (lH == 1 && lW == 1) {
    depthwisePlain(p, x, H, W, C, OH, OW, KH, KW, sH, sW, dH, dW, padT, padL, w, y, bias, act, rows);
    return;
  }
  depthwiseDilated(p, x, W, C, OH, OW, KH, KW, sH, sW, dH, dW, padT, padL, lH, lW, vH, vW, w, y, bias, act, rows);
}

function gcd(a: i32, b: i32): i32 {
  while (b != 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/**
 * The taps of one output coordinate over an input with lS−1 zeros between pixels (a strided
 * convolution's input gradient): the taps k with v = o·s − pad + k·d inside [0, vN) and on a real
 * pixel (v % lS == 0) form a progression k0, k0 + kStep, … < k1. Returns k0 (−1: none) and sets
 * `tapEndOut` to k1.
 */
let tapEndOut: i32 = 0;
@inline function firstTap(o: i32, s: i32, pad: i32, d: i32, lS: i32, vN: i32, K: i32): i32 {
  let k0 = -1;
  tapEndOut = 0;
  for (let k = 0; k < K; k++) {
    const v = o * s - pad + k * d;
    if (v < 0 || v >= vN || v % lS != 0) continue;
    if (k0 < 0) k0 = k;
    tapEndOut = k + 1;
  }
  return k0;
}

// Sixteen channels at c (four vectors), or four (`vec`) or one (lane 0) with `wide` false.
@inline function dilatedTaps(
  vec: bool, wide: bool, xa0: usize, xRowStep: usize, xTapStep: usize, wa0: usize, wRowStep: usize, wTapStep: usize,
  nh: i32, nw: i32, out: usize, bias: usize, act: i32,
): void {
  const zero = f32x4.splat(0);
  let a0 = bias != 0 ? lanes(vec, bias) : zero;
  let a1 = zero, a2 = zero, a3 = zero;
  if (wide && bias != 0) {
    a1 = v128.load(bias + 16);
    a2 = v128.load(bias + 32);
    a3 = v128.load(bias + 48);
  }
  let xr = xa0, wr = wa0;
  for (let i = 0; i < nh; i++) {
    let xa = xr, wa = wr;
    for (let j = 0; j < nw; j++) {
      if (wide) {
        a0 = madd(a0, v128.load(xa), v128.load(wa));
        a1 = madd(a1, v128.load(xa + 16), v128.load(wa + 16));
        a2 = madd(a2, v128.load(xa + 32), v128.load(wa + 32));
        a3 = madd(a3, v128.load(xa + 48), v128.load(wa + 48));
      } else {
        a0 = madd(a0, lanes(vec, xa), lanes(vec, wa));
      }
      xa += xTapStep;
      wa += wTapStep;
    }
    xr += xRowStep;
    wr += wRowStep;
  }
  if (wide) {
    v128.store(out, activate(a0, act));
    v128.store(out + 16, activate(a1, act));
    v128.store(out + 32, activate(a2, act));
    v128.store(out + 48, activate(a3, act));
  } else {
    storeLanes(vec, out, activate(a0, act));
  }
}

// The depthwise kernel over an input with zeros between pixels (lH or lW > 1: the input gradient
// of a strided depthwise conv). The real taps of each output row and column are worked out once
// (a progression, no per-tap division), and only they are visited, sixteen channels at a time.
function depthwiseDilated(
  p: usize, x: usize, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32, sH: i32, sW: i32, dH: i32, dW: i32,
  padT: i32, padL: i32, lH: i32, lW: i32, vH: i32, vW: i32, w: usize, y: usize, bias: usize, act: i32, rows: i32,
): void {
  const cBytes = <usize>C << 2;
  const C16 = <usize>(C & ~15) << 2;
  const C4 = <usize>(C & ~3) << 2;
  const H = (vH - 1) / lH + 1;
  const khStep = lH / gcd(dH, lH), kwStep = lW / gcd(dW, lW);
  const xRowStep = <usize>((khStep * dH) / lH) * <usize>W * cBytes, wRowStep = <usize>(khStep * KW) * cBytes;
  const xTapStep = <usize>((kwStep * dW) / lW) * cBytes, wTapStep = <usize>kwStep * cBytes;
  for (let r = claim(p, 21); r < rows; r = claim(p, 21)) {
    const oh = r % OH, n = r / OH;
    const kh0 = firstTap(oh, sH, padT, dH, lH, vH, KH);
    const nh = kh0 < 0 ? 0 : (tapEndOut - kh0 + khStep - 1) / khStep;
    const xRow = x + <usize>n * <usize>(H * W) * cBytes + (kh0 < 0 ? 0 : <usize>((oh * sH - padT + kh0 * dH) / lH) * <usize>W * cBytes);
    let yo = y + <usize>r * <usize>OW * cBytes;
    for (let ow = 0; ow < OW; ow++) {
      const kw0 = firstTap(ow, sW, padL, dW, lW, vW, KW);
      const nw = kw0 < 0 || nh == 0 ? 0 : (tapEndOut - kw0 + kwStep - 1) / kwStep;
      const xa = nw == 0 ? x : xRow + <usize>((ow * sW - padL + kw0 * dW) / lW) * cBytes;
      const wa = nw == 0 ? w : w + <usize>(kh0 * KW + kw0) * cBytes;
      let c: usize = 0;
      for (; c < C16; c += 64)
        dilatedTaps(true, true, xa + c, xRowStep, xTapStep, wa + c, wRowStep, wTapStep, nh, nw, yo + c, bias != 0 ? bias + c : 0, act);
      for (; c < C4; c += 16)
        dilatedTaps(true, false, xa + c, xRowStep, xTapStep, wa + c, wRowStep, wTapStep, nh, nw, yo + c, bias != 0 ? bias + c : 0, act);
      for (; c < cBytes; c += 4)
        dilatedTaps(false, false, xa + c, xRowStep, xTapStep, wa + c, wRowStep, wTapStep, nh, nw, yo + c, bias != 0 ? bias + c : 0, act);
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
  const C16 = <usize>(C & ~15) << 2;
  const C4 = <usize>(C & ~3) << 2;
  const rows = N * OH;
  const zero = f32x4.splat(0);
  const xStep = <usize>sW * cBytes;
  // Per row and tap, the sums over the row's output pixels stay in registers (sixteen channels in
  // four accumulators) and reach the partial once.
  for (let r = claim(p, 17); r < rows; r = claim(p, 17)) {
    const oh = r % OH, n = r / OH;
    const xn = x + <usize>n * <usize>(H * W) * cBytes;
    const gRow = dy + <usize>r * <usize>OW * cBytes;
    const kh0 = tapStart(oh, sH, padT, dH), kh1 = tapEnd(oh, sH, padT, dH, KH, H);
    for (let kh = kh0; kh < kh1; kh++) {
      const ih = oh * sH - padT + kh * dH;
      for (let kw = 0; kw < KW; kw++) {
        // Output columns whose tap kw is inside the input: owA ≤ ow < owB.
        const lo = padL - kw * dW, hi = W - 1 + padL - kw * dW;
        if (hi < 0) continue;
        const owA = lo <= 0 ? 0 : (lo + sW - 1) / sW;
        const owB = min(OW, hi / sW + 1);
        if (owA >= owB) continue;
        const count = owB - owA;
        const xs = xn + <usize>(ih * W + owA * sW - lo) * cBytes;
        const gs = gRow + <usize>owA * cBytes;
        const ps = part + <usize>(kh * KW + kw) * cBytes;
        let c: usize = 0;
        for (; c < C16; c += 64) {
          let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
          let xa = xs + c, ga = gs + c;
          for (let i = 0; i < count; i++) {
            a0 = madd(a0, v128.load(xa), v128.load(ga));
            a1 = madd(a1, v128.load(xa + 16), v128.load(ga + 16));
            a2 = madd(a2, v128.load(xa + 32), v128.load(ga + 32));
            a3 = madd(a3, v128.load(xa + 48), v128.load(ga + 48));
            xa += xStep;
            ga += cBytes;
          }
          v128.store(ps + c, f32x4.add(v128.load(ps + c), a0));
          v128.store(ps + c + 16, f32x4.add(v128.load(ps + c + 16), a1));
          v128.store(ps + c + 32, f32x4.add(v128.load(ps + c + 32), a2));
          v128.store(ps + c + 48, f32x4.add(v128.load(ps + c + 48), a3));
        }
        for (; c < C4; c += 16) {
          let a0 = zero;
          let xa = xs + c, ga = gs + c;
          for (let i = 0; i < count; i++) {
            a0 = madd(a0, v128.load(xa), v128.load(ga));
            xa += xStep;
            ga += cBytes;
          }
          v128.store(ps + c, f32x4.add(v128.load(ps + c), a0));
        }
        for (; c < cBytes; c += 4) {
          let a: f32 = 0;
          let xa = xs + c, ga = gs + c;
          for (let i = 0; i < count; i++) {
            a += load<f32>(xa) * load<f32>(ga);
            xa += xStep;
            ga += cBytes;
          }
          store<f32>(ps + c, load<f32>(ps + c) + a);
        }
      }
    }
  }
}
