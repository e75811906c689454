import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedOnnxError } from '../errors';
import type { Attribute, GraphNode, StaticTensor } from './read-graph';

/**
 * A value flowing through the imported graph. Rank-4 activations live NHWC (`nhwc: true`: the
 * tensor is the transpose of ONNX's NCHW value); everything else is in ONNX's own layout. A value
 * known at import time (initializer, Constant) keeps its numbers for shape arithmetic.
 */
export interface Value {
  tensor: tf.Tensor;
  nhwc: boolean;
  known?: StaticTensor;
  /** A module parameter or buffer, already in convkit's layout (conv `[kh,kw,in/g,out]`, linear `[in,out]`). */
  param?: boolean;
}

export const plain = (tensor: tf.Tensor): Value => ({ tensor, nhwc: false });
export const nhwc = (tensor: tf.Tensor): Value => ({ tensor, nhwc: true });

/** A known value; its tensor is made only when an op asks for it (shape arithmetic reads the numbers). */
export function fromStatic(known: StaticTensor): Value {
  let tensor: tf.Tensor | undefined;
  return {
    get tensor() {
      tensor ??= tf.tensor(known.values, known.dims, known.dtype);
      return tensor;
    },
    nhwc: false,
    known,
  };
}

export const staticOf = (values: ArrayLike<number>, dims: number[], dtype: StaticTensor['dtype']): StaticTensor => ({
  dims,
  dtype,
  values: dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values),
});

/** The value's shape in ONNX's layout. */
export const onnxShape = (v: Value): number[] => {
  const s = v.tensor.shape;
  return v.nhwc ? ([s[0], s[3], s[1], s[2]] as number[]) : s;
};

const ARITHMETIC: Record<string, (a: number, b: number, int: boolean) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  // Integer division truncates (onnxruntime's int64 Div).
  Div: (a, b, int) => (int ? Math.trunc(a / b) : a / b),
};

/**
 * Concat and element-wise arithmetic on known scalars and vectors, in plain JS: the shape
 * arithmetic of exported graphs (`Shape → Gather → Div → Concat → Reshape`) never becomes tensor ops.
 */
export function evaluateKnown(opType: string, attrs: Attributes, known: StaticTensor[]): StaticTensor | undefined {
  if (known.some((k) => k.dims.length > 1)) return undefined;
  const dtype = known.every((k) => k.dtype === 'int32') ? 'int32' : 'float32';
  const make = (values: number[], dims: number[]) => staticOf(values, dims, dtype);
  if (opType === 'Concat') {
    if (known.some((k) => k.dims.length !== 1) || ![0, -1].includes(attrs.int('axis', 0))) return undefined;
    const values = known.flatMap((k) => Array.from(k.values));
    return make(values, [values.length]);
  }
  const fn = ARITHMETIC[opType];
  const [a, b] = known;
  if (!fn || !a || !b || (a.values.length !== b.values.length && a.values.length !== 1 && b.values.length !== 1)) return undefined;
  const n = Math.max(a.values.length, b.values.length);
  const at = (k: StaticTensor, i: number) => k.values[k.values.length === 1 ? 0 : i] as number;
  const values = Array.from({ length: n }, (_, i) => fn(at(a, i), at(b, i), dtype === 'int32'));
  return make(values, a.dims.length || b.dims.length ? [n] : []);
}

/** The value in ONNX's layout. */
export const onnxLayout = (v: Value): tf.Tensor => (v.nhwc ? tf.transpose(v.tensor, [0, 3, 1, 2]) : v.tensor);

/** A rank-4 value as NHWC (an ONNX-layout rank-4 tensor is transposed). */
export function asNhwc(v: Value): tf.Tensor4D {
  if (v.nhwc) return v.tensor as tf.Tensor4D;
  if (v.tensor.rank !== 4) throw new Error(`expected a rank-4 value, got rank ${v.tensor.rank}`);
  return tf.transpose(v.tensor, [0, 2, 3, 1]) as tf.Tensor4D;
}

/** An ONNX-layout tensor of rank ≤ 4 broadcast against an NCHW map, moved to NHWC (`[C,1,1]` → `[1,1,1,C]`). */
export function broadcastNhwc(t: tf.Tensor): tf.Tensor {
  if (t.rank === 0) return t;
  const shape = [...Array(4 - t.rank).fill(1), ...t.shape];
  return tf.transpose(tf.reshape(t, shape), [0, 2, 3, 1]);
}

/** NCHW axis → NHWC axis. */
export const nhwcAxis = (axis: number): number => [0, 3, 1, 2][axis < 0 ? axis + 4 : axis] as number;

/** A node's attributes, read with defaults and checked types; errors name the node and attribute. */
export class Attributes {
  constructor(readonly node: GraphNode) {}

  fail(reason: string, attribute?: string): never {
    throw new UnsupportedOnnxError(this.node.name, this.node.opType, reason, attribute);
  }

  int(name: string, fallback: number): number {
    const v = this.node.attributes[name] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(`expected an integer, got ${JSON.stringify(v)}`, name);
    return v;
  }

  float(name: string, fallback: number): number {
    const v = this.node.attributes[name] ?? fallback;
    if (typeof v !== 'number') this.fail(`expected a float, got ${JSON.stringify(v)}`, name);
    return v;
  }

  ints(name: string, fallback?: number[]): number[] | undefined {
    const v = this.node.attributes[name] ?? fallback;
    if (v !== undefined && !(Array.isArray(v) && v.every(Number.isInteger))) this.fail(`expected integers, got ${JSON.stringify(v)}`, name);
    return v as number[] | undefined;
  }

  string(name: string, fallback: string): string {
    const v = this.node.attributes[name] ?? fallback;
    if (typeof v !== 'string') this.fail(`expected a string, got ${JSON.stringify(v)}`, name);
    return v;
  }

  raw(name: string): Attribute | undefined {
    return this.node.attributes[name];
  }

  /** Refuses attributes this op does not implement (any not listed). */
  only(known: string[]): void {
    for (const name of Object.keys(this.node.attributes)) if (!known.includes(name)) this.fail('attribute not supported', name);
  }
}
