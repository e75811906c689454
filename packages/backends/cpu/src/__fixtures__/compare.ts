// Runs the same computation with convkit's wasm kernels and with the original tfjs CPU
// kernels (captured when the wasm kernels were registered) and compares the results.
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, expectNoLeaks } from '@convkit/test-utils';
import { expect } from 'vitest';
import { disableFastKernels, enableFastKernels } from '../fast-kernels';
import { runtime } from '../registry';
import type { EngineOptions as FastKernelsOptions } from '../wasm/engine';

let seed = 1;
/** A seeded normal tensor (deterministic across runs). */
export function randn(shape: number[], scale = 1): tf.Tensor {
  return tf.randomNormal(shape, 0, scale, 'float32', seed++);
}

/**
 * Evaluates `fn` (which may return several tensors, e.g. gradients) with the fast kernels
 * and then with tfjs's, checks they agree within `rtol` of the largest reference magnitude,
 * that the fast path leaks no tensor, and that it really ran wasm kernels (or, with
 * `expectWasm: false`, that it ran no wasm kernel; `null` allows either).
 */
export function compareWithTfjs(
  fn: () => tf.Tensor | tf.Tensor[],
  { rtol = 1e-4, expectWasm = true as boolean | null, options = {} as FastKernelsOptions } = {},
): void {
  enableFastKernels(options);
  const callsBefore = runtime.engine?.calls ?? 0;
  const fast = expectNoLeaks(() => {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const copies = list.map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }));
    tf.dispose(list);
    return copies;
  });
  const launched = (runtime.engine?.calls ?? 0) - callsBefore;
  if (expectWasm) expect(launched, 'wasm kernel launches').toBeGreaterThan(0);
  else if (expectWasm === false) expect(launched, 'wasm kernel launches').toBe(0);
  disableFastKernels();
  try {
    const ref = tf.tidy(fn);
    const refs = Array.isArray(ref) ? ref : [ref];
    fast.forEach((f, i) => {
      // Non-finite values must match exactly; the rest within tolerance.
      const r = Array.from(refs[i].dataSync());
      const finite = (v: number) => (Number.isFinite(v) ? v : 0);
      expect(f.data.map((v) => (Number.isFinite(v) ? 0 : v))).toEqual(r.map((v) => (Number.isFinite(v) ? 0 : v)));
      expectClose(tf.tensor(f.data.map(finite), f.shape), { shape: refs[i].shape, data: r.map(finite) }, { rtol, atol: 1e-5 });
    });
    tf.dispose(refs);
  } finally {
    enableFastKernels(options);
  }
}

/** sum(f(...)·r) with a fixed random r, so every output element gets a different gradient. */
export function weightedSum(y: tf.Tensor, salt: number): tf.Scalar {
  const r = tf.randomNormal(y.shape, 0, 1, 'float32', 1000 + salt);
  return tf.sum(tf.mul(y, r));
}

/** Kernel names that fell back to tfjs while `fn` ran with the fast kernels on. */
export function fallbacks(fn: () => unknown): string[] {
  enableFastKernels();
  const original = runtime.original;
  const names = new Set<string>();
  runtime.original = (name) => {
    names.add(name);
    return original(name);
  };
  try {
    tf.tidy(() => {
      fn();
    });
  } finally {
    runtime.original = original;
  }
  return [...names];
}
