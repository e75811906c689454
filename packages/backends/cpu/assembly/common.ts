// What every kernel family shares: parameter access, work claiming, multiply-add, the
// activations of the epilogues, edge lanes, tap ranges and a vectorised e^x.
import { ACT_HARDSIGMOID, ACT_HARDSWISH, ACT_RELU, ACT_RELU6, ACT_SIGMOID, ACT_SILU, CONSTANTS } from '../src/wasm/abi';

// Per-thread scratch (edge tiles) lives at a fixed place below the host's heap.
export const SCRATCH: usize = 4096;

@inline export function prm(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline export function claim(p: usize, slot: i32): i32 {
  return atomic.add<i32>(p + (<usize>slot << 2), 1);
}

@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

// First and one-past-last tap k (of K, dilation d) whose input o·s − pad + k·d lies in [0, n).
@inline export function tapStart(o: i32, s: i32, pad: i32, d: i32): i32 {
  const at = o * s - pad;
  return at >= 0 ? 0 : (-at + d - 1) / d;
}

@inline export function tapEnd(o: i32, s: i32, pad: i32, d: i32, K: i32, n: i32): i32 {
  const at = o * s - pad;
  return at >= n ? 0 : min(K, (n - at + d - 1) / d);
}

// Four floats, or one in lane 0 (the rest zero) for a channel past the last group of four.
@inline export function lanes(vec: bool, at: usize): v128 {
  return vec ? v128.load(at) : v128.load32_zero(at);
}

@inline export function storeLanes(vec: bool, at: usize, v: v128): void {
  if (vec) v128.store(at, v);
  else store<f32>(at, f32x4.extract_lane(v, 0));
}

// e^x for f32 lanes, for the sigmoid / SiLU epilogues: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 in
// two parts, so r is exact to ~1e-10), e^r by a degree-5 minimax polynomial (relative error
// 7.4e-8; its x¹ coefficient rounds to 1 in f32), times 2^n added straight into the exponent
// bits. The argument is clamped to [EXP_MIN, EXP_MAX] first, which keeps 2^n·e^r a normal float
// (no overflow, no denormal): results saturate at ~2.5e-38 and ~2.4e38, which is all a sigmoid
// needs (1/(1 + 2.4e38) is 4e-39, 1/(1 + 2.5e-38) is 1). Max relative error 2.0e-7 inside the
// clamp (a correctly rounded f32 is within 6e-8); NaN stays NaN. ~21 operations (Cephes' expf,
// with two scalings to reach denormals, took ~36).
export const EXP_MIN: f32 = -86.6;
export const EXP_MAX: f32 = 88.37626;

// The epilogues' constants live in a table in memory: V8 builds a v128.const anew at every use
// (~3 instructions; binaryen puts them back inside loops however they are written), while a
// splat load is one. Every kernel with an epilogue calls `setupConstants` first.
const K_ONE = 0, K_EXP_MIN = 1, K_EXP_MAX = 2, K_LOG2E = 3, K_LN2_HI = 4, K_LN2_LO = 5;
const K_P5 = 6, K_P4 = 7, K_P3 = 8, K_P2 = 9, K_THREE = 10, K_SIX = 11, K_SIXTH = 12, K_ROUND = 13, K_READY = 31;
const READY = 0x5eed0001;

@inline function k(i: i32): v128 {
  return v128.load32_splat(<usize>CONSTANTS + (<usize>i << 2));
}

export function setupConstants(): void {
  if (atomic.load<i32>(<usize>CONSTANTS + (K_READY << 2)) == READY) return;
  const at = <usize>CONSTANTS;
  store<f32>(at + (K_ONE << 2), 1);
  store<f32>(at + (K_EXP_MIN << 2), EXP_MIN);
  store<f32>(at + (K_EXP_MAX << 2), EXP_MAX);
  store<f32>(at + (K_LOG2E << 2), 1.44269504);
  store<f32>(at + (K_LN2_HI << 2), 0.693359375);
  store<f32>(at + (K_LN2_LO << 2), -2.12194440e-4);
  store<f32>(at + (K_P5 << 2), 0.008325664);
  store<f32>(at + (K_P4 << 2), 0.041908044);
  store<f32>(at + (K_P3 << 2), 0.1666694);
  store<f32>(at + (K_P2 << 2), 0.49999043);
  store<f32>(at + (K_THREE << 2), 3);
  store<f32>(at + (K_SIX << 2), 6);
  store<f32>(at + (K_SIXTH << 2), <f32>(1.0 / 6.0));
  store<f32>(at + (K_ROUND << 2), 12582912);
  atomic.store<i32>(at + (K_READY << 2), READY);
}

@inline export function expf4(x: v128): v128 {
  const one = k(K_ONE);
  // pmax/pmin are one instruction each (wasm's NaN-propagating max/min take V8 ~7); NaN passes.
  const xc = f32x4.pmin(f32x4.pmax(x, k(K_EXP_MIN)), k(K_EXP_MAX));
  // n = round(x·log2e) by adding 1.5·2^23: n lands in the low bits of t (which, shifted left by
  // 23, are 2^n's exponent bits), and t − 1.5·2^23 is n as a float.
  const t = f32x4.add(f32x4.mul(xc, k(K_LOG2E)), k(K_ROUND));
  const n = f32x4.sub(t, k(K_ROUND));
  let r = f32x4.sub(xc, f32x4.mul(n, k(K_LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, k(K_LN2_LO)));
  let p = k(K_P5);
  p = f32x4.add(f32x4.mul(p, r), k(K_P4));
  p = f32x4.add(f32x4.mul(p, r), k(K_P3));
  p = f32x4.add(f32x4.mul(p, r), k(K_P2));
  p = f32x4.add(f32x4.mul(p, r), one);
  p = f32x4.add(f32x4.mul(p, r), one);
  return i32x4.add(p, i32x4.shl(t, 23));
}

// 1 / (1 + e^-x): ~4e-39 below -88.4 (e^-x saturates), 1 above ~17; NaN stays NaN.
@inline export function sigmoid4(x: v128): v128 {
  const one = k(K_ONE);
  return f32x4.div(one, f32x4.add(one, expf4(f32x4.neg(x))));
}

// PyTorch's hardsigmoid, relu6(x + 3) / 6 (as relu6(x + 3) · (1/6): within 1 ulp of it, exactly
// 0 at and below -3 and exactly 1 at and above 3); NaN stays NaN.
@inline export function hardsigmoid4(x: v128): v128 {
  const t = f32x4.pmin(f32x4.pmax(f32x4.add(x, k(K_THREE)), f32x4.splat(0)), k(K_SIX));
  return f32x4.mul(t, k(K_SIXTH));
}

@inline export function activate(v: v128, act: i32): v128 {
  // pmax(v, 0) is v < 0 ? 0 : v, tfjs's ReLU exactly (NaN and -0 pass), in one instruction.
  if (act == ACT_RELU) return f32x4.pmax(v, f32x4.splat(0));
  if (act == ACT_RELU6) return f32x4.pmin(f32x4.pmax(v, f32x4.splat(0)), k(K_SIX));
  if (act == ACT_SIGMOID) return sigmoid4(v);
  if (act == ACT_SILU) return f32x4.mul(v, sigmoid4(v));
  if (act == ACT_HARDSIGMOID) return hardsigmoid4(v);
  if (act == ACT_HARDSWISH) return f32x4.mul(v, hardsigmoid4(v));
  return v;
}

// bias + v, then the activation.
@inline export function epilogue(v: v128, bias: v128, act: i32): v128 {
  return activate(f32x4.add(v, bias), act);
}
