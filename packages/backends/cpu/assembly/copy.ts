// Strided row copies (a concatenation along the channels writes each input into its slice).
import { claim, prm } from './common';

/**
 * Copies `rows` rows of `rowBytes` bytes from src (rows `srcStride` bytes apart) to dst (rows
 * `dstStride` bytes apart). Params: src srcStride dst dstStride rowBytes rows counter.
 * Items are chunks of 64 rows.
 */
export function copyRows(p: usize, tid: i32, nt: i32): void {
  const src = <usize>prm(p, 0), srcStride = <usize>prm(p, 1), dst = <usize>prm(p, 2), dstStride = <usize>prm(p, 3);
  const rowBytes = <usize>prm(p, 4), rows = prm(p, 5);
  const chunks = (rows + 63) >> 6;
  for (let ch = claim(p, 6); ch < chunks; ch = claim(p, 6)) {
    const r1 = min(rows, (ch + 1) << 6);
    for (let r = ch << 6; r < r1; r++) memory.copy(dst + <usize>r * dstStride, src + <usize>r * srcStride, rowBytes);
  }
}
