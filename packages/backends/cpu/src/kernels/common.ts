// Helpers every fast kernel shares: the tfjs CPU backend's data, the wasm-or-fallback wrapper,
// output tensors and activation handling. The registry state (engine, the captured tfjs kernels,
// fallback) lives in ../registry.ts.
import * as tf from '@tensorflow/tfjs-core';
import { fallback } from '../registry';
import { type Engine, WasmOutOfMemory } from '../wasm/engine';
import { Act } from '../wasm/gemm';

export { engine, fallback } from '../registry';

/** The parts of tfjs-backend-cpu's MathBackendCPU the kernels use. */
export interface CpuBackend {
  data: { get(dataId: tf.DataId): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
  disposeData(dataId: tf.DataId): unknown;
}

export interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: CpuBackend;
  attrs?: tf.NamedAttrMap;
}

export type FastKernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

export interface FastKernel {
  kernelName: string;
  kernelFunc: FastKernelFunc;
}

/**
 * A kernel that tries the wasm path (`run` returns undefined when it does not cover the inputs)
 * and otherwise — or when the problem does not fit in wasm memory — runs the tfjs kernel.
 */
export function wasmKernel(kernelName: string, run: (args: KernelArgs) => tf.TensorInfo | undefined): FastKernel {
  return {
    kernelName,
    kernelFunc: (args) => {
      try {
        return run(args) ?? fallback(kernelName, args);
      } catch (e) {
        if (e instanceof WasmOutOfMemory) return fallback(kernelName, args);
        throw e;
      }
    },
  };
}

/** The float32 values of a tensor, or undefined when it is not plain float32 data. */
export function f32(backend: CpuBackend, t: tf.TensorInfo | undefined): Float32Array | undefined {
  if (!t || t.dtype !== 'float32') return undefined;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : undefined;
}

/**
 * Like f32, and also the values of a float32 tensor whose data is still another typed array (a
 * `cast(bool → float32)` in tfjs-backend-cpu shares the Uint8Array of its input), as a copy.
 */
export function f32OrCast(backend: CpuBackend, t: tf.TensorInfo | undefined): Float32Array | undefined {
  if (!t || t.dtype !== 'float32') return undefined;
  const v = backend.data.get(t.dataId).values;
  if (v instanceof Float32Array) return v;
  return v instanceof Uint8Array || v instanceof Int32Array ? Float32Array.from(v) : undefined;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export interface Epilogue {
  /** Done inside the GEMM. */
  act: Act;
  /** Applied afterwards in JS (activations the wasm epilogue does not have). */
  after?: (v: Float32Array) => void;
}

/** A kernel's output tensor from its wasm block, with the JS part of the epilogue applied. */
export function outputTensor(backend: CpuBackend, e: Engine, ptr: number, shape: number[], ep?: Epilogue): tf.TensorInfo {
  const values = e.result(ptr, size(shape));
  ep?.after?.(values);
  return backend.makeTensorInfo(shape, 'float32', values);
}

/** Maps a tfjs fused activation (or convkit's `'silu'`, `'hardsigmoid'`, `'hardswish'`); undefined means "not supported, fall back". */
export function epilogue(activation: unknown, leakyreluAlpha: unknown): Epilogue | undefined {
  switch (activation ?? 'linear') {
    case 'linear':
      return { act: Act.Linear };
    case 'relu':
      return { act: Act.Relu };
    case 'relu6':
      return { act: Act.Relu6 };
    case 'sigmoid':
      return { act: Act.Sigmoid };
    case 'silu':
      return { act: Act.Silu };
    case 'hardsigmoid':
      return { act: Act.Hardsigmoid };
    case 'hardswish':
      return { act: Act.Hardswish };
    case 'elu':
      return {
        act: Act.Linear,
        after: (v) => {
          for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] = Math.exp(v[i]) - 1;
        },
      };
    case 'leakyrelu': {
      const alpha = typeof leakyreluAlpha === 'number' ? leakyreluAlpha : 0.2;
      return {
        act: Act.Linear,
        after: (v) => {
          for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] *= alpha;
        },
      };
    }
    default:
      return undefined; // prelu needs its weights broadcast: the tfjs kernel does that
  }
}

/**
 * Copies a bias into wasm memory as `n` floats (a scalar bias is broadcast), or returns
 * undefined when its shape is not [n] / [1] / scalar-like.
 */
export function putBias(e: Engine, backend: CpuBackend, bias: tf.TensorInfo | undefined, n: number): number | undefined {
  if (!bias) return 0;
  const v = f32(backend, bias);
  if (!v) return undefined;
  if (v.length === n && bias.shape[bias.shape.length - 1] === n) return e.input(v);
  if (v.length === 1) {
    const ptr = e.alloc(n);
    e.f32.fill(v[0], ptr >> 2, (ptr >> 2) + n);
    return ptr;
  }
  return undefined;
}

/** The window geometry of a pooling kernel (or its gradient) from its attributes. */
export function poolInfo(x: tf.TensorInfo, attrs: tf.NamedAttrMap = {}): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'same' | 'valid' | number | tf.backend_util.ExplicitPadding,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
}

/**
 * Calls `visit(o, first, h0, h1, w0, w1)` for every pooling window: `o` is the window's first
 * output float, `first` its image's first input pixel, [h0,h1)×[w0,w1) its taps inside the input.
 */
export function forEachWindow(
  info: tf.backend_util.Conv2DInfo,
  visit: (o: number, first: number, h0: number, h1: number, w0: number, w1: number) => void,
): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sH, strideWidth: sW } = info;
  const { top, left } = info.padInfo;
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const hs = oh * sH - top;
      for (let ow = 0; ow < OW; ow++, o += C) {
        const ws = ow * sW - left;
        visit(o, n * H * W, Math.max(0, hs), Math.min(H, hs + KH), Math.max(0, ws), Math.min(W, ws + KW));
      }
    }
  }
}
