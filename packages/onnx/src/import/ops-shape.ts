import * as tf from '@tensorflow/tfjs-core';
import { input, knownInts, type OpContext, type OpRunner } from './op-context';
import type { StaticTensor } from './read-graph';
import { fromStatic, nhwc, nhwcAxis, onnxLayout, onnxShape, plain, staticOf, type Value } from './values';

// Shape arithmetic: Reshape, Shape, Gather, Slice, Unsqueeze, Squeeze, Cast, ConstantOfShape, Expand,
// Split. Known inputs give known outputs (plain JS numbers), so a shape subgraph never becomes
// tensor ops; NHWC maps stay NHWC where the op maps onto NHWC axes exactly.

/** Known values up to this many elements are computed in JS (ConstantOfShape of a whole map is not). */
const MAX_KNOWN = 4096;

function axisOf(ctx: OpContext, axis: number, rank: number, name: string): number {
  if (axis < -rank || axis >= rank) ctx.attrs.fail(`axis ${axis} is out of range for rank ${rank}`, name);
  return axis < 0 ? axis + rank : axis;
}

/** The value with new ONNX dims: a known value stays known, a map comes back to ONNX's layout. */
const reshaped = (x: Value, dims: number[]): Value => (x.known ? fromStatic({ ...x.known, dims }) : plain(tf.reshape(onnxLayout(x), dims)));

const reshape: OpRunner = (ctx) => {
  ctx.attrs.only(['allowzero']);
  const x = input(ctx, 0);
  const shape = onnxShape(x);
  const size = shape.reduce((p, d) => p * d, 1);
  const target = knownInts(ctx, 1, 'shape').map((d, i) => (d === 0 && ctx.attrs.int('allowzero', 0) === 0 ? shape[i] : d));
  const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  if (target.includes(-1) ? known === 0 || size % known !== 0 : known !== size) {
    const baked = target[0] !== shape[0] && (target[0] as number) > 0;
    ctx.attrs.fail(
      `cannot reshape [${shape}] to [${target}]${baked ? `: the batch size ${target[0]} was baked into the export (export with a dynamic batch axis to run batch ${shape[0]})` : ''}`,
    );
  }
  return [reshaped(x, target.includes(-1) ? target.map((d) => (d === -1 ? size / known : d)) : target)];
};

const shape: OpRunner = (ctx) => {
  ctx.attrs.only(['start', 'end']);
  const dims = onnxShape(input(ctx, 0));
  const at = (i: number) => Math.min(dims.length, Math.max(0, i < 0 ? i + dims.length : i));
  const values = dims.slice(at(ctx.attrs.int('start', 0)), at(ctx.attrs.int('end', dims.length)));
  return [fromStatic(staticOf(values, [values.length], 'int32'))];
};

const gather: OpRunner = (ctx) => {
  ctx.attrs.only(['axis']);
  const x = input(ctx, 0);
  const dims = onnxShape(x);
  const axis = axisOf(ctx, ctx.attrs.int('axis', 0), dims.length, 'axis');
  const size = dims[axis] as number;
  // Indices are constants or shape arithmetic in every exported CNN.
  const known = ctx.known(1) ?? ctx.attrs.fail('input 1 (indices) must be known before the graph runs');
  const indices = Array.from(known.values, (i) => (i < 0 ? i + size : i));
  const bad = indices.find((i) => i < 0 || i >= size);
  if (bad !== undefined) ctx.attrs.fail(`index ${bad} is out of range for dimension ${axis} of size ${size}`);
  const data = x.known;
  if (data && dims.length === 1)
    return [
      fromStatic(
        staticOf(
          indices.map((i) => data.values[i] as number),
          known.dims,
          data.dtype,
        ),
      ),
    ];
  const t = tf.tensor(indices, known.dims, 'int32');
  // A vector of indices keeps the rank: an NHWC map is gathered on its NHWC axis.
  if (x.nhwc && known.dims.length === 1) return [nhwc(tf.gather(x.tensor, t, nhwcAxis(axis)))];
  return [plain(tf.gather(onnxLayout(x), t, axis))];
};

/** The indices ONNX's Slice takes along a dimension of size `d` (negative and out-of-range bounds clamped). */
function sliceIndices(d: number, start: number, end: number, step: number): number[] {
  const [lo, hi] = step > 0 ? [0, d] : [-1, d - 1];
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v < 0 ? v + d : v));
  const out: number[] = [];
  for (let i = clamp(start); step > 0 ? i < clamp(end) : i > clamp(end); i += step) out.push(i);
  return out;
}

const slice: OpRunner = (ctx) => {
  const x = input(ctx, 0);
  const dims = onnxShape(x);
  const inputs = ctx.opset >= 10;
  ctx.attrs.only(inputs ? [] : ['starts', 'ends', 'axes']);
  const starts = inputs ? knownInts(ctx, 1, 'starts') : (ctx.attrs.ints('starts') ?? []);
  const ends = inputs ? knownInts(ctx, 2, 'ends') : (ctx.attrs.ints('ends') ?? []);
  const axes = (inputs ? ctx.inputs[3] && knownInts(ctx, 3, 'axes') : ctx.attrs.ints('axes')) || starts.map((_, i) => i);
  const steps = (inputs && ctx.inputs[4] && knownInts(ctx, 4, 'steps')) || starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length || steps.includes(0))
    ctx.attrs.fail(`starts [${starts}], ends [${ends}], axes [${axes}] and steps [${steps}] do not match (or a step is 0)`);
  const ranges = axes.map((a, i) => {
    const axis = axisOf(ctx, a, dims.length, 'axes');
    return {
      axis,
      step: steps[i] as number,
      indices: sliceIndices(dims[axis] as number, starts[i] as number, ends[i] as number, steps[i] as number),
    };
  });
  if (x.known && dims.length === 1) {
    const values = ranges[0] ? ranges[0].indices.map((i) => x.known?.values[i] as number) : Array.from(x.known.values);
    return [fromStatic(staticOf(values, [values.length], x.known.dtype))];
  }
  // Unit steps are one tf.slice; other steps gather their indices.
  const begin = x.tensor.shape.map(() => 0);
  const size = x.tensor.shape.map(() => -1);
  const gathers: typeof ranges = [];
  for (const r of ranges) {
    const at = x.nhwc ? nhwcAxis(r.axis) : r.axis;
    if (r.step !== 1) gathers.push({ ...r, axis: at });
    else [begin[at], size[at]] = [r.indices[0] ?? 0, r.indices.length];
  }
  let t = tf.slice(x.tensor, begin, size);
  for (const r of gathers) t = tf.gather(t, r.indices, r.axis);
  return [{ tensor: t, nhwc: x.nhwc }];
};

/** Axes from input 1 (opset 13+) or the `axes` attribute (before). */
function axesOf(ctx: OpContext): number[] | undefined {
  ctx.attrs.only(ctx.opset >= 13 ? [] : ['axes']);
  return ctx.opset >= 13 ? (ctx.inputs[1] ? knownInts(ctx, 1, 'axes') : undefined) : ctx.attrs.ints('axes');
}

const unsqueeze: OpRunner = (ctx) => {
  const x = input(ctx, 0);
  const dims = onnxShape(x);
  const given = axesOf(ctx) ?? ctx.attrs.fail('axes are required', 'axes');
  const rank = dims.length + given.length;
  const axes = given.map((a) => axisOf(ctx, a, rank, 'axes'));
  let next = 0;
  return [
    reshaped(
      x,
      Array.from({ length: rank }, (_, i) => (axes.includes(i) ? 1 : (dims[next++] as number))),
    ),
  ];
};

const squeeze: OpRunner = (ctx) => {
  const x = input(ctx, 0);
  const dims = onnxShape(x);
  const axes = axesOf(ctx)?.map((a) => axisOf(ctx, a, dims.length, 'axes')) ?? dims.flatMap((d, i) => (d === 1 ? [i] : []));
  const wide = axes.find((a) => dims[a] !== 1);
  if (wide !== undefined) ctx.attrs.fail(`axis ${wide} has size ${dims[wide]}, not 1`, 'axes');
  return [
    reshaped(
      x,
      dims.filter((_, i) => !axes.includes(i)),
    ),
  ];
};

// ONNX TensorProto data types by number; tfjs holds float32, int32 (int64 is read as int32) and bool.
const ONNX_TYPES = ['undefined', 'float', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16', 'double'];
const CAST_TO: Record<number, 'float32' | 'int32' | 'bool'> = { 1: 'float32', 6: 'int32', 7: 'int32', 9: 'bool' };

const cast: OpRunner = (ctx) => {
  ctx.attrs.only(['to', 'saturate']);
  const to = ctx.attrs.int('to', 0);
  const dtype =
    CAST_TO[to] ?? ctx.attrs.fail(`cannot cast to ${ONNX_TYPES[to] ?? `type ${to}`}: tfjs holds float32, int32/int64 and bool`, 'to');
  const x = input(ctx, 0);
  if (x.known && dtype !== 'bool')
    return [fromStatic(staticOf(Array.from(x.known.values, dtype === 'int32' ? Math.trunc : Number), x.known.dims, dtype))];
  return [{ tensor: tf.cast(x.tensor, dtype), nhwc: x.nhwc }];
};

const constantOfShape: OpRunner = (ctx) => {
  ctx.attrs.only(['value']);
  const dims = knownInts(ctx, 0, 'shape');
  const value = ctx.attrs.raw('value') as StaticTensor | undefined;
  if (value !== undefined && (typeof value !== 'object' || Array.isArray(value) || value.values.length !== 1))
    ctx.attrs.fail('expected a one-element tensor', 'value');
  const [fill, dtype] = [value?.values[0] ?? 0, value?.dtype ?? 'float32'];
  const size = dims.reduce((p, d) => p * d, 1);
  if (size <= MAX_KNOWN) return [fromStatic(staticOf(new Array(size).fill(fill), dims, dtype))];
  return [plain(tf.fill(dims, fill, dtype))];
};

/** Numpy broadcasting to the given shape; a rank-4 NHWC map broadcasts in NHWC. */
const expand: OpRunner = (ctx) => {
  ctx.attrs.only([]);
  const x = input(ctx, 0);
  const target = knownInts(ctx, 1, 'shape');
  const dims = onnxShape(x);
  const rank = Math.max(dims.length, target.length);
  const [a, b] = [dims, target].map((s) => [...new Array(rank - s.length).fill(1), ...s]) as [number[], number[]];
  const out = a.map((d, i) => {
    const t = b[i] as number;
    if (d !== 1 && t !== 1 && d !== t) ctx.attrs.fail(`cannot broadcast [${dims}] to [${target}]`);
    return d === 1 ? t : d;
  });
  if (x.nhwc && rank === 4) return [nhwc(tf.broadcastTo(x.tensor, [out[0], out[2], out[3], out[1]] as number[]))];
  return [plain(tf.broadcastTo(tf.reshape(onnxLayout(x), a), out))];
};

const split: OpRunner = (ctx) => {
  ctx.attrs.only(['axis', 'split', 'num_outputs']);
  const x = input(ctx, 0);
  const dims = onnxShape(x);
  const axis = axisOf(ctx, ctx.attrs.int('axis', 0), dims.length, 'axis');
  const [d, n] = [dims[axis] as number, ctx.node.outputs.length];
  const given = ctx.opset >= 13 ? ctx.inputs[1] && knownInts(ctx, 1, 'split') : ctx.attrs.ints('split');
  // Opset 18's num_outputs: equal chunks of ⌈d/n⌉, the last one smaller.
  const chunk = ctx.opset >= 18 ? Math.ceil(d / ctx.attrs.int('num_outputs', n)) : d / n;
  const sizes = given || Array.from({ length: n }, (_, i) => Math.min(chunk, d - chunk * i));
  if (sizes.length !== n || sizes.some((s) => s < 0 || !Number.isInteger(s)) || sizes.reduce((p, s) => p + s, 0) !== d)
    ctx.attrs.fail(`cannot split dimension ${axis} of size ${d} into [${sizes}] (${n} outputs)`, given ? 'split' : undefined);
  return tf.split(x.tensor, sizes, x.nhwc ? nhwcAxis(axis) : axis).map((tensor) => ({ tensor, nhwc: x.nhwc }));
};

export const shapeOps: Record<string, OpRunner> = {
  Reshape: reshape,
  Shape: shape,
  Gather: gather,
  Slice: slice,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Cast: cast,
  ConstantOfShape: constantOfShape,
  Expand: expand,
  Split: split,
};
