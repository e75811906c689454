import * as tf from '@tensorflow/tfjs-core';
import { avgPool2d, batchNorm, batchNormTrain, conv2d, globalAvgPool2d, maxPool2d } from '@convkit/core';
import { input, type OpRunner } from './op-context';
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

const conv: OpRunner = (ctx) => {
  ctx.attrs.only(['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
  const x = asNhwc(input(ctx, 0));
  const weight = input(ctx, 1);
  if (weight.tensor.rank !== 4) ctx.attrs.fail('only 2-D convolutions are supported');
  // A weight fed at run time (not an initializer) is still OIHW.
  const w = (weight.param ? weight.tensor : tf.transpose(weight.tensor, [2, 3, 1, 0])) as tf.Tensor4D;
  const kernel = [w.shape[0], w.shape[1]];
  const strides = pairAttr(ctx.attrs, 'strides', [1, 1]);
  const dilations = pairAttr(ctx.attrs, 'dilations', [1, 1]);
  const pads = spatialPads(ctx.attrs, [x.shape[1], x.shape[2]], kernel, strides, dilations);
  const [padded, padding] = prePad(x, pads, 0);
  const bias = ctx.inputs[2]?.tensor as tf.Tensor1D | undefined;
  const groups = ctx.attrs.int('group', 1);
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

function pool(kind: 'max' | 'avg'): OpRunner {
  return (ctx) => {
    ctx.attrs.only(['auto_pad', 'ceil_mode', 'kernel_shape', 'pads', 'strides', 'count_include_pad', 'dilations', 'storage_order']);
    if ((ctx.attrs.ints('dilations', [1, 1]) as number[]).some((d) => d !== 1))
      ctx.attrs.fail('dilated pooling is not supported', 'dilations');
    if (ctx.attrs.int('storage_order', 0) !== 0) ctx.attrs.fail('only row-major storage_order', 'storage_order');
    if (ctx.node.outputs.length > 1 && ctx.node.outputs[1]) ctx.attrs.fail('the Indices output is not supported');
    const x = asNhwc(input(ctx, 0));
    const kernel = pairAttr(ctx.attrs, 'kernel_shape', []);
    const stride = pairAttr(ctx.attrs, 'strides', [1, 1]);
    const pads = spatialPads(ctx.attrs, [x.shape[1], x.shape[2]], kernel, stride, [1, 1]);
    const ceilMode = ctx.attrs.int('ceil_mode', 0) === 1;
    const options = { kernelSize: kernel as [number, number], stride: stride as [number, number], ceilMode };
    if (kind === 'max') {
      const [padded, padding] = prePad(x, pads, Number.NEGATIVE_INFINITY);
      return [nhwc(maxPool2d(padded, { ...options, padding }))];
    }
    const countIncludePad = ctx.attrs.int('count_include_pad', 0) === 1;
    if (!countIncludePad && (pads[0] !== pads[1] || pads[2] !== pads[3]))
      ctx.attrs.fail('asymmetric pads without count_include_pad are not supported', 'pads');
    const [padded, padding] = prePad(x, pads, 0);
    return [nhwc(avgPool2d(padded, { ...options, padding, countIncludePad }))];
  };
}

const globalAveragePool: OpRunner = (ctx) => [nhwc(globalAvgPool2d(asNhwc(input(ctx, 0)), { keepDims: true }))];

/**
 * ONNX's `momentum` weighs the old running value (PyTorch's momentum is 1 − it); the running
 * variance takes the unbiased batch variance, as in PyTorch.
 */
const batchNormalization: OpRunner = (ctx) => {
  ctx.attrs.only(['epsilon', 'momentum', 'training_mode', 'spatial']);
  if (ctx.node.outputs.slice(1).some(Boolean)) ctx.attrs.fail('training outputs (running mean/var) are not supported');
  const source = input(ctx, 0);
  const x = source.tensor.rank === 4 ? asNhwc(source) : source.tensor;
  if (x.rank !== 4 && x.rank !== 2) ctx.attrs.fail(`only [N,C] and [N,C,H,W] inputs are supported, got rank ${x.rank}`);
  const [weight, bias, mean, variance] = [1, 2, 3, 4].map((i) => input(ctx, i).tensor as tf.Tensor1D);
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const wrap = x.rank === 4 ? nhwc : plain;
  if (!ctx.training) return [wrap(batchNorm(x, mean, variance, { weight, bias, eps }))];
  const stats = batchNormTrain(x, { weight, bias, eps });
  if (!ctx.frozen) {
    const p = 1 - ctx.attrs.float('momentum', 0.9);
    tf.tidy(() => {
      ctx.assignBuffer(3, tf.add(tf.mul(mean, 1 - p), tf.mul(stats.mean, p)));
      ctx.assignBuffer(4, tf.add(tf.mul(variance, 1 - p), tf.mul(stats.unbiasedVariance, p)));
    });
  }
  return [wrap(stats.output)];
};

export const convOps: Record<string, OpRunner> = {
  Conv: conv,
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: globalAveragePool,
  BatchNormalization: batchNormalization,
};
