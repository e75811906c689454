// What every kernel family shares: parameter access, work claiming, multiply-add, the
// activations of the epilogues, edge lanes, tap ranges and a vectorised e^x.

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

// e^x for f32 lanes (Cephes expf): x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6
// polynomial, times 2^n applied as two powers of two (so that results near the ends of the
// range, denormals included, need no special case). ~1 ulp; +Infinity above 88.72, NaN stays NaN.
@inline export function expf4(x: v128): v128 {
  const big = f32x4.gt(x, f32x4.splat(88.72283));
  const xc = f32x4.max(x, f32x4.splat(-104)); // e^-104 is below the smallest denormal
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, r), r), f32x4.add(r, f32x4.splat(1)));
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const half = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), i32x4.splat(127)), 23);
  return v128.bitselect(f32x4.splat(Infinity), f32x4.mul(f32x4.mul(p, s1), s2), big);
}

// Epilogue activations (the host's `Act` codes).
export const ACT_RELU = 1;
export const ACT_RELU6 = 2;
export const ACT_SIGMOID = 3;
export const ACT_SILU = 4;

// 1 / (1 + e^-x): 0 below about -88.7 (e^-x overflows), 1 above ~17; NaN stays NaN.
@inline export function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, expf4(f32x4.neg(x))));
}

@inline export function activate(v: v128, act: i32): v128 {
  if (act == ACT_RELU) return f32x4.max(v, f32x4.splat(0));
  if (act == ACT_RELU6) return f32x4.min(f32x4.max(v, f32x4.splat(0)), f32x4.splat(6));
  if (act == ACT_SIGMOID) return sigmoid4(v);
  if (act == ACT_SILU) return f32x4.mul(v, sigmoid4(v));
  return v;
}

// bias + v, then the activation.
@inline export function epilogue(v: v128, bias: v128, act: i32): v128 {
  return activate(f32x4.add(v, bias), act);
}
