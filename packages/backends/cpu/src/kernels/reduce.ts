// Plain-JS Sum / Mean / Max / Min over a contiguous block of axes (after dropping size-1
// axes): "all axes but the last" (batch-norm statistics, the gradients of per-channel
// broadcasts: [N,H,W,C] → [C]), "the last axis" (softmax, losses) and anything in between.
// The input is read as [outer, reduced, inner] in place; tfjs-backend-cpu transposes the whole
// tensor first so that the reduced axes are innermost. Other axis sets, and dtypes other than
// float32/int32, go to the tfjs kernels.
import * as tf from '@tensorflow/tfjs-core';
import { fallback, type FastKernel, type KernelArgs } from './common';

type Values = Float32Array | Int32Array;

/** float32 or int32 values of a tensor, or undefined (bool, complex, strings, ...). */
function values(args: KernelArgs, t: tf.TensorInfo | undefined): Values | undefined {
  if (!t || (t.dtype !== 'float32' && t.dtype !== 'int32')) return undefined;
  const v = args.backend.data.get(t.dataId).values;
  if (t.dtype === 'float32' && v instanceof Float32Array) return v;
  if (t.dtype === 'int32' && v instanceof Int32Array) return v;
  return undefined;
}

interface Plan {
  outer: number;
  reduce: number;
  inner: number;
  /** Output shape as tfjs gives it (reduced axes dropped, or kept as 1 with keepDims). */
  outShape: number[];
}

/** [outer, reduce, inner] when the non-unit reduced axes are contiguous, else undefined. */
export function reducePlan(shape: readonly number[], axis: unknown, keepDims: unknown): Plan | undefined {
  const rank = shape.length;
  const axes = tf.util.parseAxisParam(axis as number | number[], shape as number[]);
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of axes) reduced[a] = true;
  // Size-1 axes can be on either side of the block: skip them.
  let outer = 1;
  let reduce = 1;
  let inner = 1;
  let phase = 0; // 0: before the reduced block, 1: inside it, 2: after it
  for (let d = 0; d < rank; d++) {
    const n = shape[d];
    if (n === 1) continue;
    if (reduced[d]) {
      if (phase === 2) return undefined;
      phase = 1;
      reduce *= n;
    } else if (phase === 0) {
      outer *= n;
    } else {
      phase = 2;
      inner *= n;
    }
  }
  const outShape: number[] = [];
  for (let d = 0; d < rank; d++) {
    if (!reduced[d]) outShape.push(shape[d]);
    else if (keepDims) outShape.push(1);
  }
  return { outer, reduce, inner, outShape };
}

function sumInto(x: Values, { outer, reduce, inner }: Plan, out: Values, divisor: number): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * reduce;
      let s = 0; // a double, as in tfjs
      for (let r = 0; r < reduce; r++) s += x[base + r];
      out[o] = s / divisor;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let r = 0; r < reduce; r++) {
      const base = (o * reduce + r) * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[base + i];
    }
    const ob = o * inner;
    for (let i = 0; i < inner; i++) out[ob + i] = acc[i] / divisor;
  }
}

// Like tfjs: the first element starts the scan, a NaN anywhere wins and stays.
function extremeInto(x: Values, { outer, reduce, inner }: Plan, out: Values, isMax: boolean): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const b0 = o * reduce * inner;
    for (let i = 0; i < inner; i++) acc[i] = x[b0 + i];
    for (let r = 1; r < reduce; r++) {
      const base = b0 + r * inner;
      if (isMax) {
        for (let i = 0; i < inner; i++) {
          const v = x[base + i];
          if (v > acc[i] || Number.isNaN(v)) acc[i] = v;
        }
      } else {
        for (let i = 0; i < inner; i++) {
          const v = x[base + i];
          if (v < acc[i] || Number.isNaN(v)) acc[i] = v;
        }
      }
    }
    out.set(acc, o * inner);
  }
}

function makeOut(args: KernelArgs, shape: number[], dtype: 'float32' | 'int32', out: Values): tf.TensorInfo {
  // makeTensorInfo stores whatever typed array it is given; int32 data must be an Int32Array.
  return args.backend.makeTensorInfo(shape, dtype, out as Float32Array);
}

function reduction(kernelName: string, axisAttr: 'axis' | 'reductionIndices', mode: 'sum' | 'mean' | 'max' | 'min'): FastKernel {
  return {
    kernelName,
    kernelFunc: (args: KernelArgs) => {
      const { x } = args.inputs;
      const attrs = args.attrs ?? {};
      const xv = values(args, x);
      if (!xv) return fallback(kernelName, args);
      const plan = reducePlan(x.shape, attrs[axisAttr], attrs.keepDims);
      if (!plan) return fallback(kernelName, args);
      const n = plan.outer * plan.inner;
      if (mode === 'sum') {
        const out = x.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
        sumInto(xv, plan, out, 1);
        return makeOut(args, plan.outShape, x.dtype as 'float32' | 'int32', out);
      }
      if (mode === 'mean') {
        // tfjs casts to float32 and divides each element by the count before summing; summing
        // in double and dividing once agrees to float32 rounding.
        if (plan.reduce === 0) return fallback(kernelName, args);
        const out = new Float32Array(n);
        sumInto(xv, plan, out, plan.reduce);
        return makeOut(args, plan.outShape, 'float32', out);
      }
      if (plan.reduce === 0 || n === 0) return fallback(kernelName, args);
      const out = x.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
      extremeInto(xv, plan, out, mode === 'max');
      return makeOut(args, plan.outShape, x.dtype as 'float32' | 'int32', out);
    },
  };
}

export const sum = reduction(tf.Sum, 'axis', 'sum');
export const mean = reduction(tf.Mean, 'axis', 'mean');
export const max = reduction(tf.Max, 'reductionIndices', 'max');
export const min = reduction(tf.Min, 'axis', 'min');
