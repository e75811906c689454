import * as tf from '@tensorflow/tfjs-core';
import { avgPool2d, batchNorm, batchNormTrain, conv2d, globalAvgPool2d, maxPool2d, ShapeError } from '@convkit/core';
import { input, type OpContext, type OpRunner } from './op-context';
import { type Attributes, asNhwc, nhwc, plain } from './values';

// Conv, pooling and BatchNormalization on NHWC maps with convkit's core ops (fused kernels apply).

/** Explicit `[top, bottom, left, right]` padding from ONNX's `pads` / `auto_pad` for a `[H, W]` input. */
export function spatialPads(attrs: Attributes, size: [number, number], kernel: number[], strides: number[], dilations: number[]): number[] {
  const autoPad = attrs.string('auto_pad', 'NOTSET');
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const out: number[] = [];
    for (let i = 0; i < 2; i++) {
      const total = Math.max(0, (Math.ceil(size[i] / strides[i]) - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size[i]);
      const small = Math.floor(total / 2);
      out.push(...(autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small]));
    }
    return out;
  }
  if (autoPad !== 'NOTSET') attrs.fail(`unknown auto_pad '${autoPad}'`, 'auto_pad');
  const pads = attrs.ints('pads', [0, 0, 0, 0]) as number[];
  if (pads.length !== 4 || pads.some((p) => p < 0)) attrs.fail(`expected 4 non-negative pads for a 2-D op, got [${pads}]`, 'pads');
  return [pads[0], pads[2], pads[1], pads[3]];
}

function pairAttr(attrs: Attributes, name: string, fallback: number[]): number[] {
  const v = attrs.ints(name, fallback) as number[];
  if (v.length !== 2 || v.some((d) => d < 1)) attrs.fail(`expected 2 positive values (2-D ops only), got [${v}]`, name);
  return v;
}

/** Pads asymmetrically up front (the core ops pad symmetrically); returns the input and the symmetric rest. */
function prePad(x: tf.Tensor4D, [t, b, l, r]: number[], value: number): [tf.Tensor4D, [number, number]] {
  if (t === b && l === r) return [x, [t, l]];
  const padded = tf.pad(
    x,
    [
      [0, 0],
      [t, b],
      [l, r],
      [0, 0],
    ],
    value,
  );
  return [padded, [0, 0]];
}

/** Input 0 as an NHWC map: 1-D and 3-D ops are refused by name. */
function spatialInput(ctx: OpContext): tf.Tensor4D {
  const v = input(ctx, 0);
  if (!v.nhwc && v.tensor.rank !== 4) ctx.attrs.fail(`only 2-D ops on [N,C,H,W] are supported, got a rank-${v.tensor.rank} input`);
  return asNhwc(v);
}

const conv: OpRunner = (ctx) => {
  ctx.attrs.only(['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
  const x = spatialInput(ctx);
  const weight = input(ctx, 1);
  if (weight.tensor.rank !== 4) ctx.attrs.fail('only 2-D convolutions are supported');
  // A weight fed at run time (not an initializer) is still OIHW.
  const w = (weight.param ? weight.tensor : tf.transpose(weight.tensor, [2, 3, 1, 0])) as tf.Tensor4D;
  const kernel = [w.shape[0], w.shape[1]];
  const declared = ctx.attrs.ints('kernel_shape');
  if (declared && (declared.length !== 2 || declared[0] !== kernel[0] || declared[1] !== kernel[1]))
    ctx.attrs.fail(`expected the weight's kernel [${kernel}], got [${declared}]`, 'kernel_shape');
  const strides = pairAttr(ctx.attrs, 'strides', [1, 1]);
  const dilations = pairAttr(ctx.attrs, 'dilations', [1, 1]);
  const pads = spatialPads(ctx.attrs, [x.shape[1], x.shape[2]], kernel, strides, dilations);
  const [padded, padding] = prePad(x, pads, 0);
  const bias = ctx.inputs[2]?.tensor as tf.Tensor1D | undefined;
  const groups = ctx.attrs.int('group', 1);
  if (groups < 1 || x.shape[3] !== w.shape[2] * groups || w.shape[3] % groups !== 0)
    ctx.attrs.fail(
      `${groups} groups do not fit ${x.shape[3]} input channels and a weight of ${w.shape[3]}×${w.shape[2]} (O×I/group)`,
      'group',
    );
  const options = {
    stride: strides as [number, number],
    dilation: dilations as [number, number],
    padding,
    groups,
    bias,
    activation: ctx.activation,
  };
  return [nhwc(conv2d(padded, w, options))];
};

/** `[kh, kw, a, b]` with `d − 1` zeros between the taps: a dilated kernel as a plain one. */
function dilate(w: tf.Tensor4D, [dh, dw]: number[]): tf.Tensor4D {
  if (dh === 1 && dw === 1) return w;
  const [kh, kw, a, b] = w.shape;
  const between: [number, number][] = [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ];
  const spread = tf.reshape(tf.pad(tf.reshape(w, [kh, 1, kw, 1, a, b]), between), [kh * dh, kw * dw, a, b]);
  return tf.slice(spread, 0, [(kh - 1) * dh + 1, (kw - 1) * dw + 1, a, b]) as tf.Tensor4D;
}

/**
 * ConvTranspose (one group): the full transposed convolution plus output_padding, then cropped
 * by its pads or by those output_shape / auto_pad imply (a negative one adds zeros instead).
 */
const convTranspose: OpRunner = (ctx) => {
  ctx.attrs.only(['auto_pad', 'dilations', 'group', 'kernel_shape', 'output_padding', 'output_shape', 'pads', 'strides']);
  const x = spatialInput(ctx);
  const weight = input(ctx, 1).tensor;
  if (weight.rank !== 4 || weight.shape[0] !== x.shape[3])
    ctx.attrs.fail(`expected a 2-D weight [${x.shape[3]}, C_out, kh, kw], got [${weight.shape}]`);
  if (ctx.attrs.int('group', 1) !== 1) ctx.attrs.fail('only group=1 is supported', 'group');
  const [, cout, kh, kw] = weight.shape;
  const strides = pairAttr(ctx.attrs, 'strides', [1, 1]);
  const dilations = pairAttr(ctx.attrs, 'dilations', [1, 1]);
  const extra = ctx.attrs.ints('output_padding', [0, 0]) as number[];
  if (extra.length !== 2 || extra.some((e, i) => e < 0 || e >= Math.max(strides[i], dilations[i])))
    ctx.attrs.fail(`expected 2 values below the stride or dilation, got [${extra}]`, 'output_padding');
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  if (!['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'].includes(autoPad)) ctx.attrs.fail(`unknown auto_pad '${autoPad}'`, 'auto_pad');
  const pads = ctx.attrs.ints('pads', [0, 0, 0, 0]) as number[];
  if (pads.length !== 4 || pads.some((p) => p < 0)) ctx.attrs.fail(`expected 4 non-negative pads for a 2-D op, got [${pads}]`, 'pads');
  const declared = ctx.attrs.ints('output_shape');
  const target = declared
    ? declared.slice(-2)
    : autoPad.startsWith('SAME')
      ? [x.shape[1] * strides[0], x.shape[2] * strides[1]]
      : undefined;
  const full = [0, 1].map((i) => strides[i] * (x.shape[i + 1] - 1) + ([kh, kw][i] - 1) * dilations[i] + 1);
  // [begin, end] to crop on each axis.
  const crop = [0, 1].map((i) => {
    if (!target) return autoPad === 'VALID' ? [0, 0] : [pads[i], pads[i + 2]];
    const total = full[i] + extra[i] - target[i];
    const half = Math.floor(total / 2);
    return autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half];
  });
  const size = [0, 1].map((i) => full[i] + extra[i] - crop[i][0] - crop[i][1]);
  if (size.some((n) => n < 1)) ctx.attrs.fail(`the output would be ${size[0]}×${size[1]}`);
  const out = tf.tidy(() => {
    // [Cin, Cout, kh, kw] → tfjs's [kh, kw, Cout, Cin].
    const w = dilate(tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D, dilations);
    const y = tf.conv2dTranspose(x, w, [x.shape[0], full[0], full[1], cout], strides as [number, number], 'valid');
    const grow = (i: number): [number, number] => [Math.max(0, -crop[i][0]), extra[i] + Math.max(0, -crop[i][1])];
    const grown = tf.pad(y, [[0, 0], grow(0), grow(1), [0, 0]]);
    const cropped = tf.slice(grown, [0, Math.max(0, crop[0][0]), Math.max(0, crop[1][0]), 0], [-1, size[0], size[1], -1]);
    const bias = ctx.inputs[2]?.tensor;
    return bias ? tf.add(cropped, bias) : cropped;
  });
  return [nhwc(out)];
};

interface PoolGeometry {
  kernel: number[];
  stride: number[];
  dilation: number[];
  /** `[top, bottom, left, right]`. */
  pads: number[];
  ceilMode: boolean;
  countIncludePad: boolean;
}

/**
 * Pooling where convkit's core ops do not reach (dilated windows, asymmetric pads or pads over
 * half the window): the maximum or sum over one strided slice per window tap; an average divides
 * by the same sum over a mask of what counts (the input, or the input and its pads).
 */
function slicedPool(
  x: tf.Tensor4D,
  kind: 'max' | 'avg',
  { kernel, stride, dilation, pads, ceilMode, countIncludePad }: PoolGeometry,
): tf.Tensor4D {
  const [, H, W] = x.shape;
  const out: number[] = [];
  const extra: number[] = [];
  [H, W].forEach((size, i) => {
    const span = (kernel[i] - 1) * dilation[i] + 1;
    const total = size + pads[2 * i] + pads[2 * i + 1];
    let o = (ceilMode ? Math.ceil : Math.floor)((total - span) / stride[i]) + 1;
    // As PyTorch: the last window must start inside the input or its leading pad.
    if (ceilMode && (o - 1) * stride[i] >= size + pads[2 * i]) o--;
    if (o < 1) throw new ShapeError('pooling', `input [${x.shape}] (NHWC) is too small for a ${kernel} window with pads [${pads}]`);
    out.push(o);
    // Rows past the end: those ceil mode reaches, and enough for every tap's block of out·stride rows.
    extra.push(Math.max(0, span - 1 + o * stride[i] - total));
  });
  const padding = (e: number[]): [number, number][] => [
    [0, 0],
    [pads[0], pads[1] + e[0]],
    [pads[2], pads[3] + e[1]],
    [0, 0],
  ];
  // One block of out·stride rows per tap, of which every stride-th (slice and reshape: tfjs cannot differentiate strided slices).
  const taps = (t: tf.Tensor4D) => {
    const [n, c] = [t.shape[0], t.shape[3]];
    const all: tf.Tensor4D[] = [];
    for (let a = 0; a < kernel[0]; a++)
      for (let b = 0; b < kernel[1]; b++) {
        const block = tf.slice(t, [0, a * dilation[0], b * dilation[1], 0], [n, out[0] * stride[0], out[1] * stride[1], c]);
        const strided = tf.reshape(block, [n, out[0], stride[0], out[1], stride[1], c]);
        all.push(tf.reshape(tf.slice(strided, 0, [n, out[0], 1, out[1], 1, c]), [n, out[0], out[1], c]));
      }
    return all;
  };
  return tf.tidy(() => {
    if (kind === 'max') return taps(tf.pad(x, padding(extra), Number.NEGATIVE_INFINITY)).reduce((m, t) => tf.maximum(m, t));
    const sum = tf.addN(taps(tf.pad(x, padding(extra), 0)));
    const ones = tf.ones([1, H, W, 1]) as tf.Tensor4D;
    // Pads count (with count_include_pad), the rows that ceil mode adds beyond them never do.
    const mask = countIncludePad
      ? tf.pad(tf.pad(ones, padding([0, 0]), 1), [
          [0, 0],
          [0, extra[0]],
          [0, extra[1]],
          [0, 0],
        ])
      : tf.pad(ones, padding(extra), 0);
    return tf.div(sum, tf.addN(taps(mask as tf.Tensor4D))) as tf.Tensor4D;
  });
}

function pool(kind: 'max' | 'avg'): OpRunner {
  return (ctx) => {
    ctx.attrs.only(['auto_pad', 'ceil_mode', 'kernel_shape', 'pads', 'strides', 'count_include_pad', 'dilations', 'storage_order']);
    if (ctx.attrs.int('storage_order', 0) !== 0) ctx.attrs.fail('only row-major storage_order', 'storage_order');
    if (ctx.node.outputs[1]) ctx.attrs.fail('the Indices output is not supported');
    const x = spatialInput(ctx);
    const kernel = pairAttr(ctx.attrs, 'kernel_shape', []);
    const stride = pairAttr(ctx.attrs, 'strides', [1, 1]);
    const dilation = pairAttr(ctx.attrs, 'dilations', [1, 1]);
    const pads = spatialPads(ctx.attrs, [x.shape[1], x.shape[2]], kernel, stride, dilation);
    const ceilMode = ctx.attrs.int('ceil_mode', 0) === 1;
    const countIncludePad = ctx.attrs.int('count_include_pad', 0) === 1;
    const [t, b, l, r] = pads;
    // convkit's core pooling: symmetric pads of at most half the window, no dilation.
    if (dilation[0] !== 1 || dilation[1] !== 1 || t !== b || l !== r || 2 * t > kernel[0] || 2 * l > kernel[1])
      return [nhwc(slicedPool(x, kind, { kernel, stride, dilation, pads, ceilMode, countIncludePad }))];
    const options = {
      kernelSize: kernel as [number, number],
      stride: stride as [number, number],
      ceilMode,
      padding: [t, l] as [number, number],
    };
    return [nhwc(kind === 'max' ? maxPool2d(x, options) : avgPool2d(x, { ...options, countIncludePad }))];
  };
}

const globalAveragePool: OpRunner = (ctx) => [nhwc(globalAvgPool2d(spatialInput(ctx), { keepDims: true }))];
const globalMaxPool: OpRunner = (ctx) => [nhwc(tf.max(spatialInput(ctx), [1, 2], true))];

/**
 * ONNX's `momentum` weighs the old running value (PyTorch's momentum is 1 − it); the running
 * variance takes the unbiased batch variance, as in PyTorch.
 */
const batchNormalization: OpRunner = (ctx) => {
  ctx.attrs.only(['epsilon', 'momentum', 'training_mode', 'spatial']);
  if (ctx.node.outputs.slice(1).some(Boolean)) ctx.attrs.fail('training outputs (running mean/var) are not supported');
  // Batch statistics follow the model's train()/eval(), not the file.
  if (ctx.attrs.int('training_mode', 0) !== 0)
    ctx.attrs.fail('training_mode=1 is not supported: call train() on the model', 'training_mode');
  if (ctx.attrs.int('spatial', 1) !== 1) ctx.attrs.fail('only spatial=1 (statistics per channel) is supported', 'spatial');
  const source = input(ctx, 0);
  const x = source.tensor.rank === 4 ? asNhwc(source) : source.tensor;
  if (x.rank !== 4 && x.rank !== 2) ctx.attrs.fail(`only [N,C] and [N,C,H,W] inputs are supported, got rank ${x.rank}`);
  const [weight, bias, mean, variance] = [1, 2, 3, 4].map((i) => input(ctx, i).tensor as tf.Tensor1D);
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const wrap = x.rank === 4 ? nhwc : plain;
  // A frozen BatchNorm normalizes with its running statistics, as convkit's BatchNorm2d does.
  if (!ctx.training || ctx.frozen) return [wrap(batchNorm(x, mean, variance, { weight, bias, eps }))];
  const stats = batchNormTrain(x, { weight, bias, eps });
  const p = 1 - ctx.attrs.float('momentum', 0.9);
  tf.tidy(() => {
    ctx.assignBuffer(3, tf.add(tf.mul(mean, 1 - p), tf.mul(stats.mean, p)));
    ctx.assignBuffer(4, tf.add(tf.mul(variance, 1 - p), tf.mul(stats.unbiasedVariance, p)));
  });
  return [wrap(stats.output)];
};

export const convOps: Record<string, OpRunner> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: globalAveragePool,
  GlobalMaxPool: globalMaxPool,
  BatchNormalization: batchNormalization,
};
