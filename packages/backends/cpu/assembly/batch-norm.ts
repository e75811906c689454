// Per-channel statistics and affine maps over channels-last rows (batch norm)
import { claim, madd, prm } from './common';

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
