import * as tf from '@tensorflow/tfjs-core';
import { linear, softmax } from '@convkit/core';
import { input, knownInts, type OpRunner } from './op-context';
import type { StaticTensor } from './read-graph';
import { fromStatic, nhwc, nhwcAxis, onnxLayout, plain, type Value } from './values';

// Shape and matrix ops. Where ONNX's NCHW order shows (flattening a spatial map, explicit axes),
// the map is brought back to ONNX's layout or the axes are mapped to NHWC.

const constant: OpRunner = (ctx) => {
  const [name, value] = Object.entries(ctx.node.attributes)[0] ?? [];
  const known: StaticTensor | undefined =
    name === 'value'
      ? (value as StaticTensor)
      : name === 'value_float' || name === 'value_int'
        ? { dims: [], dtype: name === 'value_int' ? 'int32' : 'float32', values: Float32Array.of(value as number) }
        : name === 'value_floats' || name === 'value_ints'
          ? { dims: [(value as number[]).length], dtype: 'float32', values: Float32Array.from(value as number[]) }
          : undefined;
  if (!known) return ctx.attrs.fail('unsupported constant form', name);
  return [fromStatic(known.dtype === 'int32' ? { ...known, values: Int32Array.from(known.values) } : known)];
};

/** `[N,C,H,W]` → `[N, C·H·W]` in ONNX's order: an NHWC map with H·W > 1 is transposed back first. */
const flatten: OpRunner = (ctx) => {
  ctx.attrs.only(['axis']);
  const x = input(ctx, 0);
  const axis = ctx.attrs.int('axis', 1);
  const t = x.nhwc && (x.tensor.shape[1] as number) * (x.tensor.shape[2] as number) === 1 ? x.tensor : onnxLayout(x);
  const at = axis < 0 ? axis + t.rank : axis;
  const size = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
  return [plain(tf.reshape(t, [size(t.shape.slice(0, at)), size(t.shape.slice(at))]))];
};

/**
 * NCHW → NHWC of an NHWC map is the map's own tensor (a plain value), and NHWC → NCHW of a plain
 * rank-4 tensor is an NHWC map: ConvNeXt's Permute pairs move no data. Other permutations of an
 * NHWC map fold the layout change into one transpose.
 */
const transpose: OpRunner = (ctx) => {
  ctx.attrs.only(['perm']);
  const x = input(ctx, 0);
  const rank = x.tensor.rank;
  const perm = ctx.attrs.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
    ctx.attrs.fail(`expected a permutation of ${rank} axes, got [${perm}]`, 'perm');
  const is = (order: number[]) => order.every((p, i) => perm[i] === p);
  if (x.nhwc)
    return [
      plain(
        is([0, 2, 3, 1])
          ? x.tensor
          : tf.transpose(
              x.tensor,
              perm.map((p) => nhwcAxis(p)),
            ),
      ),
    ];
  if (rank === 4 && is([0, 3, 1, 2])) return [nhwc(x.tensor)];
  return [plain(tf.transpose(x.tensor, perm))];
};

const concat: OpRunner = (ctx) => {
  ctx.attrs.only(['axis']);
  const values = ctx.inputs.filter((v): v is Value => !!v);
  const axis = ctx.attrs.int('axis', 0);
  if (values.every((v) => v.nhwc))
    return [
      nhwc(
        tf.concat(
          values.map((v) => v.tensor),
          nhwcAxis(axis),
        ),
      ),
    ];
  return [plain(tf.concat(values.map(onnxLayout), axis))];
};

const pad: OpRunner = (ctx) => {
  ctx.attrs.only(['mode', 'pads', 'value']);
  if (ctx.attrs.string('mode', 'constant') !== 'constant') ctx.attrs.fail('only constant padding is supported', 'mode');
  const x = input(ctx, 0);
  const pads = ctx.opset >= 11 ? knownInts(ctx, 1, 'pads') : (ctx.attrs.ints('pads') as number[]);
  // A constant_value fed at run time (not known at import) is a scalar tensor: fill the border with it.
  const fed = ctx.opset >= 11 && ctx.inputs[2] && !ctx.known(2) ? ctx.inputs[2].tensor : undefined;
  const value = ctx.opset >= 11 ? (ctx.known(2)?.values[0] ?? 0) : ctx.attrs.float('value', 0);
  const rank = x.tensor.rank;
  if (pads.length !== 2 * rank || pads.some((p) => p < 0)) ctx.attrs.fail(`expected ${2 * rank} non-negative pads, got [${pads}]`, 'pads');
  const pairs: [number, number][] = Array.from({ length: rank }, (_, i) => [pads[i], pads[i + rank]]);
  const order = x.nhwc ? [0, 2, 3, 1] : pairs.map((_, i) => i);
  const padding = order.map((i) => pairs[i] as [number, number]);
  const padded = tf.pad(x.tensor, padding, value);
  if (!fed) return [{ tensor: padded, nhwc: x.nhwc }];
  const border = tf.sub(1, tf.pad(tf.onesLike(x.tensor), padding));
  return [{ tensor: tf.add(padded, tf.mul(border, tf.reshape(fed, []))), nhwc: x.nhwc }];
};

const reduceMean: OpRunner = (ctx) => {
  ctx.attrs.only(['axes', 'keepdims', 'noop_with_empty_axes']);
  const x = input(ctx, 0);
  const rank = x.tensor.rank;
  const given = (ctx.inputs[1] ? knownInts(ctx, 1, 'axes') : ctx.attrs.ints('axes')) ?? [];
  if (given.length === 0 && ctx.attrs.int('noop_with_empty_axes', 0) === 1) return [x];
  const axes = (given.length ? given : [...Array(rank).keys()]).map((a) => (a < 0 ? a + rank : a));
  const keep = ctx.attrs.int('keepdims', 1) === 1;
  // On NHWC the remaining axes come out in ONNX's order unless C survives beside H or W.
  const channelBesideSpace = !axes.includes(1) && (!axes.includes(2) || !axes.includes(3));
  if (x.nhwc && (keep || !channelBesideSpace)) return [{ tensor: tf.mean(x.tensor, axes.map(nhwcAxis), keep), nhwc: keep }];
  return [plain(tf.mean(onnxLayout(x), axes, keep))];
};

const softmaxOp: OpRunner = (ctx) => {
  ctx.attrs.only(['axis']);
  const x = input(ctx, 0);
  const rank = x.tensor.rank;
  const axis = ctx.attrs.int('axis', ctx.opset >= 13 ? -1 : 1);
  if (ctx.opset < 13 && (axis < 0 ? axis + rank : axis) !== rank - 1)
    ctx.attrs.fail('before opset 13 Softmax flattens the trailing axes: only the last axis is supported', 'axis');
  if (x.nhwc) return [nhwc(softmax(x.tensor, nhwcAxis(axis)))];
  return [plain(softmax(x.tensor, axis))];
};

/** Y = α·A'·B' + β·C; B is a parameter already stored `[in, out]` (B' in tfjs layout). */
const gemm: OpRunner = (ctx) => {
  ctx.attrs.only(['alpha', 'beta', 'transA', 'transB']);
  const a = onnxLayout(input(ctx, 0));
  const [alpha, beta] = [ctx.attrs.float('alpha', 1), ctx.attrs.float('beta', 1)];
  const transA = ctx.attrs.int('transA', 0) === 1;
  const b = input(ctx, 1);
  const transB = ctx.attrs.int('transB', 0) === 1;
  const w = (b.param ? b.tensor : transB ? tf.transpose(b.tensor) : b.tensor) as tf.Tensor2D;
  const c = ctx.inputs[2] ? onnxLayout(ctx.inputs[2]) : undefined;
  const x = transA ? tf.transpose(a) : a;
  if (alpha === 1 && beta === 1 && (!c || (c.rank === 1 && c.shape[0] === w.shape[1])))
    return [plain(linear(x, w, c as tf.Tensor1D | undefined))];
  const y = tf.mul(tf.matMul(x as tf.Tensor2D, w), alpha);
  return [plain(c ? tf.add(y, tf.mul(c, beta)) : y)];
};

/** MatMul with numpy semantics for the forms CNN exports use: any rank times a 2-D weight, or equal batch ranks. */
const matMul: OpRunner = (ctx) => {
  const [a, b] = [onnxLayout(input(ctx, 0)), onnxLayout(input(ctx, 1))];
  if (b.rank === 2 && a.rank >= 2) {
    const y = tf.matMul(tf.reshape(a, [-1, a.shape[a.rank - 1] as number]) as tf.Tensor2D, b as tf.Tensor2D);
    return [plain(tf.reshape(y, [...a.shape.slice(0, -1), b.shape[1] as number]))];
  }
  if (a.rank === b.rank && a.rank >= 2) return [plain(tf.matMul(a, b))];
  return ctx.attrs.fail(`ranks ${a.rank} × ${b.rank} are not supported`);
};

export const tensorOps: Record<string, OpRunner> = {
  Constant: constant,
  Flatten: flatten,
  Transpose: transpose,
  Concat: concat,
  Pad: pad,
  ReduceMean: reduceMean,
  Softmax: softmaxOp,
  Gemm: gemm,
  MatMul: matMul,
};
