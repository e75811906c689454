// Host side of the `elementwise` wasm kernel: one input (plus an optional second one that
// repeats with a period) in, one output out.
import type { Engine } from './engine';

export const ElementwiseOp = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  rsub: 4,
  rdiv: 5,
  siluGrad: 6,
  relu: 10,
  relu6: 11,
  step: 12,
  sigmoid: 13,
  silu: 14,
} as const;
export type ElementwiseOp = (typeof ElementwiseOp)[keyof typeof ElementwiseOp];

const f32Bits = new Int32Array(new Float32Array(1).buffer);
function bitsOf(v: number): number {
  new Float32Array(f32Bits.buffer)[0] = v;
  return f32Bits[0];
}

/**
 * `a op b` where b (absent for unary ops) repeats every `period` floats of a: 1 for a scalar,
 * a.length for the same shape, the channel count for a per-channel vector. With `rowEvery` > 0,
 * b is rows of `period` floats and the next row applies after every `rowEvery` floats of a
 * (a [N,1,1,C] gate over [N,H,W,C]). `alpha` is Step's.
 */
export function elementwise(
  e: Engine,
  op: ElementwiseOp,
  a: Float32Array,
  b?: Float32Array,
  period = 1,
  alpha = 0,
  rowEvery = 0,
): Float32Array {
  e.reset();
  const n = a.length;
  const pa = e.input(a);
  const pb = b ? e.input(b) : 0;
  const y = e.output(n);
  e.run('elementwise', [pa, pb, y, n, period, op, bitsOf(alpha), rowEvery, 0], n >= 1 << 16);
  return e.result(y, n);
}
