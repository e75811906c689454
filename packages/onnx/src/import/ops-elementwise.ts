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

/**
 * Numpy broadcasting across layouts: an NHWC map against an ONNX-layout operand of rank ≤ 4
 * moves the operand to NHWC (`[C,1,1]` → `[1,1,1,C]`); otherwise both go to ONNX's layout.
 */
function combine(a: Value, b: Value, fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Value {
  if (a.nhwc === b.nhwc) return { tensor: fn(a.tensor, b.tensor), nhwc: a.nhwc };
  const side = (v: Value) => (v.nhwc ? v.tensor : v.tensor.rank <= 4 ? broadcastNhwc(v.tensor) : undefined);
  const [x, y] = [side(a), side(b)];
  if (x && y) return { tensor: fn(x, y), nhwc: true };
  return { tensor: fn(onnxLayout(a), onnxLayout(b)), nhwc: false };
}

function binary(fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): OpRunner {
  return (ctx) => {
    ctx.attrs.only([]);
    return [combine(input(ctx, 0), input(ctx, 1), fn)];
  };
}

/** Max, Min, Sum, Mean: any number of inputs, broadcast together. */
function variadic(fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, mean = false): OpRunner {
  return (ctx) => {
    ctx.attrs.only([]);
    const values = ctx.inputs.map((_, i) => input(ctx, i));
    if (!values.length) ctx.attrs.fail('needs at least one input');
    const out = values.slice(1).reduce((acc, v) => combine(acc, v, fn), values[0]);
    const tensor = mean ? tf.div(out.tensor, values.length) : tf.clone(out.tensor);
    return [{ tensor, nhwc: out.nhwc }];
  };
}

/** A bound from an input (opset 11+: a constant, or a tensor fed at run time) or an attribute (older opsets). */
function bound(ctx: OpContext, i: number, name: string, fallback: number): number | tf.Tensor {
  const known = ctx.known(i);
  if (known) return known.values[0];
  const fed = ctx.inputs[i];
  if (fed) {
    if (fed.tensor.size !== 1) ctx.attrs.fail(`input ${i} (${name}) must be a scalar, got shape [${fed.tensor.shape}]`);
    return tf.reshape(fed.tensor, []);
  }
  return ctx.attrs.float(name, fallback);
}

const clip: OpRunner = (ctx) => {
  ctx.attrs.only(['min', 'max']);
  const x = input(ctx, 0);
  const lo = bound(ctx, 1, 'min', Number.NEGATIVE_INFINITY);
  const hi = bound(ctx, 2, 'max', Number.POSITIVE_INFINITY);
  let tensor: tf.Tensor;
  if (typeof lo !== 'number' || typeof hi !== 'number') {
    // ONNX: min(max(x, lo), hi), so lo > hi gives hi everywhere; an infinite bound is no bound (int32 has no ±∞).
    const low =
      lo === Number.NEGATIVE_INFINITY ? x.tensor : tf.maximum(x.tensor, typeof lo === 'number' ? tf.scalar(lo, x.tensor.dtype) : lo);
    tensor = hi === Number.POSITIVE_INFINITY ? tf.clone(low) : tf.minimum(low, typeof hi === 'number' ? tf.scalar(hi, x.tensor.dtype) : hi);
  } else if (lo === 0 && hi === 6) tensor = tf.relu6(x.tensor);
  else if (lo === 0 && hi === Number.POSITIVE_INFINITY) tensor = relu(x.tensor);
  else tensor = lo > hi ? tf.fill(x.tensor.shape, hi, x.tensor.dtype) : tf.clipByValue(x.tensor, lo, hi);
  return [{ tensor, nhwc: x.nhwc }];
};

/**
 * Inverted dropout, active while the model trains. The ratio and training_mode inputs must be
 * constants (a training_mode fed at run time would switch the op behind `train()`'s back); the
 * mask output exists in evaluation only (all true).
 */
const dropoutOp: OpRunner = (ctx) => {
  ctx.attrs.only(['ratio', 'seed', 'is_test']);
  const x = input(ctx, 0);
  if (ctx.inputs[2] && !ctx.known(2)) ctx.attrs.fail('input 2 (training_mode) must be a constant');
  const forced = ctx.known(2)?.values[0];
  const training = ctx.training && forced !== 0;
  if (!ctx.training && forced) ctx.attrs.fail('training_mode is true but the model is in eval mode: call train()');
  const ratio = ctx.inputs[1] ? ctx.known(1)?.values[0] : ctx.attrs.float('ratio', 0.5);
  if (training && ratio === undefined) ctx.attrs.fail('input 1 (ratio) must be a constant');
  const outputs = [{ tensor: training ? dropout(x.tensor, ratio as number, { training }) : tf.clone(x.tensor), nhwc: x.nhwc }];
  if (ctx.node.outputs[1]) {
    if (training) ctx.attrs.fail('the mask output is only supported in eval mode');
    outputs.push({ tensor: tf.ones(x.tensor.shape, 'bool'), nhwc: x.nhwc });
  }
  return outputs;
};

/** ONNX's integer division truncates toward zero (tfjs floors). */
const divide = (a: tf.Tensor, b: tf.Tensor) =>
  a.dtype === 'int32' && b.dtype === 'int32'
    ? tf.tidy(() => tf.cast(tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32')), 'int32'))
    : tf.div(a, b);

const hardSigmoid = (x: tf.Tensor, ctx: OpContext) =>
  tf.tidy(() => tf.clipByValue(tf.add(tf.mul(x, ctx.attrs.float('alpha', 0.2)), ctx.attrs.float('beta', 0.5)), 0, 1));

// Written as relu(x) + f(min(x, 0)) rather than a where(): tfjs has no gradient for comparisons.
/** x for x > 0, α·(eˣ − 1) below. */
const scaledElu = (x: tf.Tensor, alpha: number) =>
  alpha === 1 ? tf.elu(x) : tf.tidy(() => tf.add(tf.relu(x), tf.mul(tf.elu(tf.minimum(x, 0)), alpha)));

// ONNX's defaults for Selu are float32 roundings of the exact constants.
const selu = (x: tf.Tensor, ctx: OpContext) =>
  tf.tidy(() => tf.mul(scaledElu(x, ctx.attrs.float('alpha', 1.6732631921768188)), ctx.attrs.float('gamma', 1.0507010221481323)));

/** x for x ≥ 0, slope·x below; the slope broadcasts to x (`[C,1,1]` per channel). */
const prelu = (x: tf.Tensor, slope: tf.Tensor) => tf.tidy(() => tf.add(tf.relu(x), tf.mul(tf.minimum(x, 0), slope)));

export const elementwiseOps: Record<string, OpRunner> = {
  Relu: unary(relu),
  Sigmoid: unary(sigmoid),
  HardSigmoid: unary(hardSigmoid, ['alpha', 'beta']),
  HardSwish: unary(hardswish),
  LeakyRelu: unary((x, ctx) => tf.leakyRelu(x, ctx.attrs.float('alpha', 0.01)), ['alpha']),
  Elu: unary((x, ctx) => scaledElu(x, ctx.attrs.float('alpha', 1)), ['alpha']),
  Selu: unary(selu, ['alpha', 'gamma']),
  Softplus: unary((x) => tf.softplus(x)),
  Tanh: unary((x) => tf.tanh(x)),
  Erf: unary((x) => tf.erf(x)),
  Sqrt: unary((x) => tf.sqrt(x)),
  Exp: unary((x) => tf.exp(x)),
  Log: unary((x) => tf.log(x)),
  Abs: unary((x) => tf.abs(x)),
  Neg: unary((x) => tf.neg(x)),
  // A copy: a graph output that is its input must outlive the caller's disposing of the feed.
  Identity: unary((x) => tf.clone(x)),
  Clip: clip,
  Dropout: dropoutOp,
  Add: binary(tf.add),
  Sub: binary(tf.sub),
  Mul: binary(tf.mul),
  Div: binary(divide),
  Pow: binary(tf.pow),
  PRelu: binary(prelu),
  Max: variadic(tf.maximum),
  Min: variadic(tf.minimum),
  Sum: variadic(tf.add),
  Mean: variadic(tf.add, true),
};
