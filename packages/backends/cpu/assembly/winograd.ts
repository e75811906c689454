// Winograd F(2×2, 3×3) for stride-1 3×3 convolutions (channels a multiple of 4)
// V = Bᵀ d B of each 4×4 input tile, U = G g Gᵀ of each filter (host side), M_ξ = V_ξ · U_ξ
// (16 GEMMs, one per transform coordinate ξ), y = Aᵀ M A of each tile: 16 multiplies per 2×2
// outputs instead of 36.
import { claim, epilogue, prm, setupConstants } from './common';

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
  setupConstants();
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
