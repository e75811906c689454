import { type Generator, toGenerator } from '@convkit/core';

/**
 * A random permutation of `0..n-1` (Fisher–Yates), like `torch.randperm(n, generator=g)`:
 * the same seed gives the same order. `seed` may be a number, a `Generator` (whose state
 * advances), or omitted for core's default generator.
 */
export function randperm(n: number, seed?: number | Generator): Int32Array {
  const g = toGenerator(seed);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    // random() has 32 random bits: the bias of floor(u·(i+1)) is below 2^-32 · n, negligible here.
    const j = Math.floor(g.random() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}
