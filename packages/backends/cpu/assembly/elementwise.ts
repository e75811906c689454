// Elementwise ops (branch-free SIMD: a JS `x < 0 ? 0 : x` mispredicts on half of the
// values of a post-batch-norm activation)
import {
  OP_ADD, OP_DIV, OP_EXP, OP_HARDSIGMOID, OP_HARDSWISH, OP_HARDSWISH_GRAD, OP_MUL, OP_RELU, OP_RELU6, OP_RSUB, OP_SIGMOID,
  OP_SILU, OP_SILU_GRAD, OP_SUB,
} from '../src/wasm/abi';
import { claim, expf4, hardsigmoid4, prm, setupConstants, sigmoid4 } from './common';

@inline function binop(op: i32, x: v128, y: v128): v128 {
  switch (op) {
    case OP_ADD: return f32x4.add(x, y);
    case OP_SUB: return f32x4.sub(x, y);
    case OP_MUL: return f32x4.mul(x, y);
    case OP_DIV: return f32x4.div(x, y);
    case OP_RSUB: return f32x4.sub(y, x);
    case OP_SILU_GRAD: {
      // SiLU's gradient at x times dy (= y): dy·σ(x)·(1 + x·(1 − σ(x))).
      const s = sigmoid4(x);
      const one = f32x4.splat(1);
      return f32x4.mul(y, f32x4.mul(s, f32x4.add(one, f32x4.mul(x, f32x4.sub(one, s)))));
    }
    case OP_HARDSWISH_GRAD: {
      // dy (= y) times 0 below -3, x/3 + 1/2 up to 3, 1 above (a NaN x takes the last branch, as in PyTorch).
      const mid = f32x4.add(f32x4.mul(x, f32x4.splat(<f32>(1.0 / 3.0))), f32x4.splat(0.5));
      const upper = v128.bitselect(mid, f32x4.splat(1), f32x4.le(x, f32x4.splat(3)));
      return f32x4.mul(y, v128.bitselect(f32x4.splat(0), upper, f32x4.lt(x, f32x4.splat(-3))));
    }
    default: return f32x4.div(y, x);
  }
}

@inline function unop(op: i32, x: v128, alpha: v128): v128 {
  const zero = f32x4.splat(0);
  if (op == OP_RELU) return f32x4.max(x, zero);
  if (op == OP_RELU6) return f32x4.min(f32x4.max(x, zero), f32x4.splat(6));
  if (op == OP_SIGMOID) return sigmoid4(x);
  if (op == OP_SILU) return f32x4.mul(x, sigmoid4(x));
  if (op == OP_HARDSIGMOID) return hardsigmoid4(x);
  if (op == OP_HARDSWISH) return f32x4.mul(x, hardsigmoid4(x));
  if (op == OP_EXP) return expf4(x);
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
 * along the last axis), or — with `rowEvery` > 0 — b is rows of `period` floats and moves on to
 * its next row every `rowEvery` floats of a (a per-sample, per-channel [N,1,1,C] gate); unary
 * ops ignore b. Params: a b y n period op alphaBits rowEvery counter. Items are chunks of whole periods.
 */
export function elementwise(p: usize, tid: i32, nt: i32): void {
  setupConstants();
  const a = <usize>prm(p, 0), b = <usize>prm(p, 1), y = <usize>prm(p, 2);
  const n = prm(p, 3), period = prm(p, 4), op = prm(p, 5);
  const alpha = v128.load32_splat(p + 24);
  const rowEvery = prm(p, 7);
  const rowsPer = period > 1 && period < n ? max(1, 16384 / period) : 1;
  const chunk = period > 1 && period < n ? rowsPer * period : 16384;
  const chunks = (n + chunk - 1) / chunk;
  for (let ch = claim(p, 8); ch < chunks; ch = claim(p, 8)) {
    const s = ch * chunk, e = min(n, s + chunk);
    const o = <usize>s << 2;
    if (period == 1 || period >= n) {
      span(op, a + o, period == 1 ? b : b + o, period == 1, y + o, e - s, alpha);
    } else {
      for (let r = s; r < e; r += period) {
        const br = rowEvery > 0 ? b + (<usize>(r / rowEvery * period) << 2) : b;
        span(op, a + (<usize>r << 2), br, false, y + (<usize>r << 2), period, alpha);
      }
    }
  }
}
