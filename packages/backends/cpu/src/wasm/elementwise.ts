// Host side of the `elementwise` wasm kernel: one input (plus an optional second one that
// repeats with a period) in, one output out.
import * as abi from './abi';
import type { Engine } from './engine';

/** Operation codes of the `elementwise` kernel (defined in abi.ts, which the kernels import too). */
export const ElementwiseOp = {
  add: abi.OP_ADD,
  sub: abi.OP_SUB,
  mul: abi.OP_MUL,
  div: abi.OP_DIV,
  rsub: abi.OP_RSUB,
  rdiv: abi.OP_RDIV,
  siluGrad: abi.OP_SILU_GRAD,
  hardswishGrad: abi.OP_HARDSWISH_GRAD,
  relu: abi.OP_RELU,
  relu6: abi.OP_RELU6,
  step: abi.OP_STEP,
  sigmoid: abi.OP_SIGMOID,
  silu: abi.OP_SILU,
  hardsigmoid: abi.OP_HARDSIGMOID,
  hardswish: abi.OP_HARDSWISH,
  /** The epilogues' e^x, argument clamped to [-86.6, 88.37626] (tests and benchmarks measure it). */
  exp: abi.OP_EXP,
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
