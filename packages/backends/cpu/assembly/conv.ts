// im2col for the GEMM convolutions (and, with zeros between pixels, their transposes).
import { claim, prm } from './common';

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
