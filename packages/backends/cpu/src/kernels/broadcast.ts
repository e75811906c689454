// Plain-JS float32 binary ops under any numpy-style broadcast (per-sample masks like
// [N,1,1,C] in Dropout2d, [N,1] row statistics). Consecutive axes that broadcast the same way
// are merged, the innermost merged axis is a tight loop, and the outer ones are an odometer,
// instead of tfjs-backend-cpu's per-element index arithmetic.
import * as tf from '@tensorflow/tfjs-core';
import { f32, type KernelArgs, size } from './common';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

/** How a and b advance in the innermost loop: both contiguous, a repeated, or b repeated. */
type Mode = 0 | 1 | 2;

// Written out per op so that every loop is monomorphic.
function innerLoop(
  op: BinaryOp,
  mode: Mode,
  out: Float32Array,
  o: number,
  a: Float32Array,
  ia: number,
  b: Float32Array,
  ib: number,
  len: number,
): void {
  if (mode === 0) {
    if (op === 'add') for (let i = 0; i < len; i++) out[o + i] = a[ia + i] + b[ib + i];
    else if (op === 'sub') for (let i = 0; i < len; i++) out[o + i] = a[ia + i] - b[ib + i];
    else if (op === 'mul') for (let i = 0; i < len; i++) out[o + i] = a[ia + i] * b[ib + i];
    else for (let i = 0; i < len; i++) out[o + i] = a[ia + i] / b[ib + i];
  } else if (mode === 1) {
    const s = a[ia];
    if (op === 'add') for (let i = 0; i < len; i++) out[o + i] = s + b[ib + i];
    else if (op === 'sub') for (let i = 0; i < len; i++) out[o + i] = s - b[ib + i];
    else if (op === 'mul') for (let i = 0; i < len; i++) out[o + i] = s * b[ib + i];
    else for (let i = 0; i < len; i++) out[o + i] = s / b[ib + i];
  } else {
    const s = b[ib];
    if (op === 'add') for (let i = 0; i < len; i++) out[o + i] = a[ia + i] + s;
    else if (op === 'sub') for (let i = 0; i < len; i++) out[o + i] = a[ia + i] - s;
    else if (op === 'mul') for (let i = 0; i < len; i++) out[o + i] = a[ia + i] * s;
    else for (let i = 0; i < len; i++) out[o + i] = a[ia + i] / s;
  }
}

/**
 * `a op b` for float32 a and b of any broadcast-compatible shapes, or undefined when either is
 * not plain float32 data (the caller falls back to tfjs).
 */
export function broadcastBinary(args: KernelArgs, op: BinaryOp): tf.TensorInfo | undefined {
  const { a, b } = args.inputs;
  const av = f32(args.backend, a);
  const bv = f32(args.backend, b);
  if (!av || !bv) return undefined;
  const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const n = size(outShape);
  const out = new Float32Array(n);
  if (n === 0) return args.backend.makeTensorInfo(outShape, 'float32', out);
  const rank = outShape.length;
  // Merge axes into groups by (a is full along it, b is full along it); size-1 output axes drop out.
  const sizes: number[] = [];
  const aFull: boolean[] = [];
  const bFull: boolean[] = [];
  for (let d = 0; d < rank; d++) {
    const len = outShape[d];
    if (len === 1) continue;
    const ad = a.shape[d - (rank - a.shape.length)] ?? 1;
    const bd = b.shape[d - (rank - b.shape.length)] ?? 1;
    const fa = ad === len;
    const fb = bd === len;
    const g = sizes.length - 1;
    if (g >= 0 && aFull[g] === fa && bFull[g] === fb) sizes[g] *= len;
    else {
      sizes.push(len);
      aFull.push(fa);
      bFull.push(fb);
    }
  }
  if (sizes.length === 0) {
    sizes.push(1);
    aFull.push(true);
    bFull.push(true);
  }
  // Element strides of a and b per group (0 where broadcast).
  const k = sizes.length;
  const sa = new Array<number>(k);
  const sb = new Array<number>(k);
  let ta = 1;
  let tb = 1;
  for (let g = k - 1; g >= 0; g--) {
    sa[g] = aFull[g] ? ta : 0;
    sb[g] = bFull[g] ? tb : 0;
    if (aFull[g]) ta *= sizes[g];
    if (bFull[g]) tb *= sizes[g];
  }
  const last = k - 1;
  const len = sizes[last];
  const mode: Mode = aFull[last] && bFull[last] ? 0 : aFull[last] ? 2 : 1;
  const idx = new Array<number>(k).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < n; o += len) {
    innerLoop(op, mode, out, o, av, ia, bv, ib, len);
    // Advance the odometer over the outer groups.
    for (let g = last - 1; g >= 0; g--) {
      ia += sa[g];
      ib += sb[g];
      if (++idx[g] < sizes[g]) break;
      ia -= sa[g] * sizes[g];
      ib -= sb[g] * sizes[g];
      idx[g] = 0;
    }
  }
  return args.backend.makeTensorInfo(outShape, 'float32', out);
}
