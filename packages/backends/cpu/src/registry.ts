// The registry state of the fast kernels, in one place: the backend they replace kernels on,
// the wasm engine they run on, and the original tfjs kernels they replaced (for fallbacks and
// for disableFastKernels). fast-kernels.ts swaps kernels in and out; the kernels read this.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs } from './kernels/common';
import type { Engine } from './wasm/engine';

export const backendName = 'cpu';

// The tfjs kernels, captured once per process (the registry is process-wide, and a second
// copy of this package — e.g. sources next to the bundle in tests — must find the same ones).
const store = Symbol.for('convkit.backend-cpu.original-kernels');
export function originals(): Map<string, tf.KernelConfig> {
  const g = globalThis as { [store]?: Map<string, tf.KernelConfig> };
  g[store] ??= new Map();
  return g[store];
}

interface Runtime {
  /** Set by enableFastKernels. */
  engine: Engine | undefined;
  original(name: string): tf.KernelFunc;
}

export const runtime: Runtime = {
  engine: undefined,
  original: (name) => {
    const config = originals().get(name) ?? tf.getKernel(name, backendName);
    if (!config) throw new Error(`no tfjs '${backendName}' kernel ${name}`);
    return config.kernelFunc;
  },
};

export function engine(): Engine {
  if (!runtime.engine) throw new Error('convkit fast kernels are not enabled');
  return runtime.engine;
}

/** Runs the original tfjs-backend-cpu kernel (for attributes the fast kernels do not cover). */
export function fallback(name: string, args: KernelArgs): tf.TensorInfo {
  return runtime.original(name)(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}
