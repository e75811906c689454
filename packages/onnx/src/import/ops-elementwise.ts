import * as tf from '@tensorflow/tfjs-core';
import { dropout, hardswish, relu, sigmoid } from '@convkit/core';
import { input, type OpContext, type OpRunner } from './op-context';
import { broadcastNhwc, onnxLayout, type Value } from './values';

// Element-wise ops keep their input's layout; binary ops bring both sides to one layout first.

function unary(fn: (x: tf.Tensor, ctx: OpContext) => tf.Tensor, attributes: string[] = []): OpRunner {
  return (ctx) => {
    ctx.attrs.only(attributes);
    const x = input(ctx, 0);
    return [{ tensor: fn(x.tensor, ctx), nhwc: x.nhwc }];
  };
}

/** Numpy broadcasting across layouts: an NHWC map against an ONNX-layout operand moves the operand to NHWC. */
function binary(fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): OpRunner {
  return (ctx) => {
    const [a, b] = [input(ctx, 0), input(ctx, 1)];
    if (a.nhwc === b.nhwc) return [{ tensor: fn(a.tensor, b.tensor), nhwc: a.nhwc }];
    const side = (v: Value) => (v.nhwc ? v.tensor : v.tensor.rank <= 4 ? broadcastNhwc(v.tensor) : undefined);
    const [x, y] = [side(a), side(b)];
    if (x && y) return [{ tensor: fn(x, y), nhwc: true }];
    return [{ tensor: fn(onnxLayout(a), onnxLayout(b)), nhwc: false }];
  };
}

/** A bound from an input (opset 11+) or an attribute (older opsets). */
function bound(ctx: OpContext, i: number, name: string, fallback: number): number {
  const known = ctx.known(i);
  if (known) return known.values[0];
  if (ctx.inputs[i]) ctx.attrs.fail(`input ${i} (${name}) must be a constant`);
  return ctx.attrs.float(name, fallback);
}

const clip: OpRunner = (ctx) => {
  ctx.attrs.only(['min', 'max']);
  const x = input(ctx, 0);
  const lo = bound(ctx, 1, 'min', Number.NEGATIVE_INFINITY);
  const hi = bound(ctx, 2, 'max', Number.POSITIVE_INFINITY);
  const tensor =
    lo === 0 && hi === 6 ? tf.relu6(x.tensor) : lo === 0 && hi === Infinity ? relu(x.tensor) : tf.clipByValue(x.tensor, lo, hi);
  return [{ tensor, nhwc: x.nhwc }];
};

const dropoutOp: OpRunner = (ctx) => {
  ctx.attrs.only(['ratio', 'seed', 'is_test']);
  if (ctx.node.outputs[1]) ctx.attrs.fail('the mask output is not supported');
  const x = input(ctx, 0);
  const ratio = ctx.inputs[1] ? ctx.known(1)?.values[0] : ctx.attrs.float('ratio', 0.5);
  if (ratio === undefined) return ctx.attrs.fail('the ratio must be a constant');
  const training = ctx.training && !(ctx.known(2) && ctx.known(2)?.values[0] === 0);
  return [{ tensor: dropout(x.tensor, ratio, { training }), nhwc: x.nhwc }];
};

const hardSigmoid = (x: tf.Tensor, ctx: OpContext) =>
  tf.tidy(() => tf.clipByValue(tf.add(tf.mul(x, ctx.attrs.float('alpha', 0.2)), ctx.attrs.float('beta', 0.5)), 0, 1));

export const elementwiseOps: Record<string, OpRunner> = {
  Relu: unary(relu),
  Sigmoid: unary(sigmoid),
  HardSigmoid: unary(hardSigmoid, ['alpha', 'beta']),
  HardSwish: unary(hardswish),
  Erf: unary((x) => tf.erf(x)),
  Sqrt: unary((x) => tf.sqrt(x)),
  Identity: (ctx) => [input(ctx, 0)],
  Clip: clip,
  Dropout: dropoutOp,
  Add: binary(tf.add),
  Sub: binary(tf.sub),
  Mul: binary(tf.mul),
  Div: binary(tf.div),
  Pow: binary(tf.pow),
};
