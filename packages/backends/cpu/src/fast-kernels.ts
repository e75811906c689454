// Swaps convkit's wasm kernels in and out of the tfjs 'cpu' backend's kernel registry.
import * as tf from '@tensorflow/tfjs-core';
import { fastKernels } from './kernels';
import type { KernelArgs } from './kernels/common';
import { backendName, originals, runtime } from './registry';
import { adaptBackend } from './resident';
import { Engine, type EngineOptions } from './wasm/engine';

export interface FastKernelsInfo {
  enabled: boolean;
  /** Threads the kernels run on (the calling thread plus helpers). */
  threads: number;
  /** Whether the helper threads have started (they start in the background; until then, one thread). */
  helpersReady: boolean;
  simd: boolean;
  relaxedSimd: boolean;
  /** Kernel names now served by the wasm kernels. */
  kernels: string[];
  /** Why the fast kernels are off, when they are. */
  reason?: string;
}

let enabled = false;
let reason: string | undefined;
let engineOptions: EngineOptions = {};

/**
 * Registers the WebAssembly SIMD kernels (Conv2D, FusedConv2D, their gradients, depthwise,
 * BatchMatMul, _FusedMatMul, elementwise ops, batch norm in training) on the tfjs 'cpu'
 * backend in place of the tfjs ones. Importing `@convkit/backend-cpu` already does this; call
 * it again to change the options. Returns false (and leaves the tfjs kernels in place) when
 * the runtime lacks WebAssembly SIMD.
 */
export function enableFastKernels(options: EngineOptions = {}): boolean {
  const changed =
    options.threads !== engineOptions.threads ||
    (options.relaxedSimd ?? true) !== (engineOptions.relaxedSimd ?? true) ||
    (options.enableV8RelaxedSimdFlag ?? false) !== (engineOptions.enableV8RelaxedSimdFlag ?? false) ||
    (options.winograd ?? true) !== (engineOptions.winograd ?? true) ||
    (options.residentTensors ?? true) !== (engineOptions.residentTensors ?? true);
  if (runtime.engine && changed) {
    runtime.engine.dispose();
    runtime.engine = undefined;
  }
  engineOptions = options;
  if (!runtime.engine) {
    try {
      runtime.engine = new Engine(options);
    } catch (e) {
      reason = (e as Error).message;
      return false;
    }
  }
  reason = undefined;
  // Initialises the backend now (it is synchronous), so that tfjs's first-write notice is off too.
  const backend = tf.findBackend(backendName);
  if (backend) adaptBackend(backend);
  for (const k of fastKernels) {
    const current = tf.getKernel(k.kernelName, backendName);
    // convkit's own kernels (batch norm in training) have no tfjs original.
    if (current && !originals().has(k.kernelName)) originals().set(k.kernelName, current);
    if (current) tf.unregisterKernel(k.kernelName, backendName);
    const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
      adaptBackend(args.backend);
      return k.kernelFunc(args as unknown as KernelArgs);
    };
    tf.registerKernel({ kernelName: k.kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
  }
  enabled = true;
  return true;
}

/**
 * Puts the original tfjs-backend-cpu kernels back. The helper threads stay asleep (they never
 * keep the process alive) so that enabling again is instant.
 */
export function disableFastKernels(): void {
  for (const k of fastKernels) {
    const original = originals().get(k.kernelName);
    if (tf.getKernel(k.kernelName, backendName)) tf.unregisterKernel(k.kernelName, backendName);
    if (original) tf.registerKernel(original);
  }
  enabled = false;
}

export function fastKernelsInfo(): FastKernelsInfo {
  const e = runtime.engine;
  return {
    enabled,
    threads: enabled && e ? e.threads : 1,
    helpersReady: enabled && e ? e.helpersReady : false,
    simd: enabled,
    relaxedSimd: enabled && e ? e.relaxedSimd : false,
    kernels: enabled ? fastKernels.map((k) => k.kernelName) : [],
    ...(reason ? { reason } : {}),
  };
}
