// Max pooling and its gradient over NHWC rows.
import { claim, lanes, prm } from './common';

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
