import type { Generator } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Scalar draws on core's seeded `Generator` for the random transforms: the same distributions as
 * torchvision's `torch.rand` / `randint` / `randperm` / `normal_` / `_sample_dirichlet` calls, but
 * convkit's random stream (so seeded results are reproducible here, not equal to PyTorch's).
 */

/** Uniform in `[lo, hi)`. */
export const uniform = (g: Generator, lo: number, hi: number): number => lo + (hi - lo) * g.random();

/** Uniform integer in `[0, n)` (`torch.randint(n, (1,))`). */
export const randint = (g: Generator, n: number): number => Math.min(n - 1, Math.floor(g.random() * n));

/** A uniform random permutation of `0..n-1` (Fisher–Yates; `torch.randperm(n)`). */
export function randperm(g: Generator, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randint(g, i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** A standard normal draw (Box–Muller). */
export function normal(g: Generator): number {
  const u1 = 1 - g.random(); // (0, 1]: keeps log finite
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * g.random());
}

/** A Gamma(shape, 1) draw: Marsaglia–Tsang, with the `U^(1/shape)` boost for shape < 1. */
export function gamma(g: Generator, shape: number): number {
  if (shape < 1) return gamma(g, shape + 1) * (1 - g.random()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let z: number;
    let v: number;
    do {
      z = normal(g);
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - g.random();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) draw as `X / (X + Y)` with X ~ Gamma(a), Y ~ Gamma(b) — what `torch._sample_dirichlet([a, b])[0]` samples. */
export function beta(g: Generator, a: number, b: number): number {
  const x = gamma(g, a);
  const y = gamma(g, b);
  // Both can underflow to 0 for tiny shapes; Beta(a, a) is then a coin flip between 0 and 1.
  return x + y > 0 ? x / (x + y) : g.random() < a / (a + b) ? 1 : 0;
}

/** Applies `fn` to each example (a `[1,H,W,C]` slice) and stacks the results: for per-example parameters. */
export function perExample(x: tf.Tensor4D, fn: (one: tf.Tensor4D, i: number) => tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    if (x.shape[0] === 0) return tf.clone(x);
    const parts = Array.from({ length: x.shape[0] }, (_, i) => {
      const one = tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1]);
      const y = fn(one, i);
      // An op that hands back its input (nothing to do) must still give the caller its own tensor.
      return y === one ? tf.clone(one) : y;
    });
    return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  });
}
