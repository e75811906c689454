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
