import * as tf from '@tensorflow/tfjs-core';
import { convOutputSize, explicitPadding, ShapeError, shapeString, toPair, toPytorchShape, toPytorchValues } from '@convkit/core';
import { type Conv2d, foldNorm } from '@convkit/layers';
import type { BatchNorm2d } from '@convkit/regularization';
import { UnsupportedModuleError } from './errors';
import type { MappingContext } from './mapping-context';
import type { OnnxValue } from './onnx-graph';

// PyTorch's padding modes as ONNX Pad modes (opset ≤ 17 has no 'wrap' for circular).
const padModes = { reflect: 'reflect', replicate: 'edge' } as const;

/** Checks the NCHW input of a module that wants `channels` channels. */
function expectChannels(path: string, x: OnnxValue, channels: number): void {
  if (x.shape.length !== 4 || x.shape[1] !== channels) {
    throw new ShapeError(`exportOnnx: module '${path}'`, `expected an NCHW input with ${channels} channels, got ${shapeString(x.shape)}`);
  }
}

/** The conv's weight (OIHW, PyTorch's layout) and bias initializers; with `norm`, BatchNorm folded in. */
function convParameters(ctx: MappingContext, conv: Conv2d, norm: BatchNorm2d | null): string[] {
  const g = ctx.graph;
  const shape = conv.weight.shape as number[];
  const convert = (v: Float32Array) => toPytorchValues(v, shape, { kind: 'conv' });
  const dims = toPytorchShape(shape, { kind: 'conv' });
  if (!norm) {
    const names = [g.initializer(ctx.key(conv, 'weight'), conv.weight, dims, { convert })];
    if (conv.bias) names.push(g.initializer(ctx.key(conv, 'bias'), conv.bias, [conv.outChannels]));
    return names;
  }
  requireRunningStats(ctx, norm);
  const { weight, bias } = tf.tidy(() => foldNorm(conv.weight as tf.Tensor4D, conv.bias as tf.Tensor1D | null, norm));
  return [
    g.initializer(ctx.key(conv, 'weight'), weight, dims, { owned: true, convert }),
    g.initializer(ctx.key(conv, 'bias'), bias, [conv.outChannels], { owned: true }),
  ];
}

function requireRunningStats(ctx: MappingContext, norm: BatchNorm2d): { runningMean: tf.Tensor; runningVar: tf.Tensor } {
  if (!norm.runningMean || !norm.runningVar)
    throw new UnsupportedModuleError(
      ctx.pathOf(norm),
      norm.typeName,
      'a BatchNorm2d without running statistics (trackRunningStats: false) has no inference form',
    );
  return { runningMean: norm.runningMean, runningVar: norm.runningVar };
}

/**
 * `Conv2d` (→ `BatchNorm2d`, folded into the conv's weight and bias when the export asks for
 * it): pads written as Conv's explicit `[top, left, bottom, right]`, so TensorFlow-"SAME"
 * convs (`'tf-same'`) get their asymmetric padding for the static input size.
 */
export function writeConv(ctx: MappingContext, conv: Conv2d, x: OnnxValue, norm: BatchNorm2d | null = null): OnnxValue {
  const where = `exportOnnx: module '${ctx.pathOf(conv)}'`;
  expectChannels(ctx.pathOf(conv), x, conv.inChannels);
  const { stride, padding, dilation, groups, paddingMode } = conv.options;
  const [kh, kw] = conv.kernelSize;
  const strides = toPair(where, 'stride', stride, 1);
  const dilations = toPair(where, 'dilation', dilation, 1);
  const [top, bottom, left, right] = explicitPadding(where, padding, conv.kernelSize, dilations, strides, [x.shape[2], x.shape[3]]);
  const outH = convOutputSize(x.shape[2] + top + bottom, kh, { stride: strides[0], dilation: dilations[0] });
  const outW = convOutputSize(x.shape[3] + left + right, kw, { stride: strides[1], dilation: dilations[1] });
  if (outH < 1 || outW < 1)
    throw new ShapeError(where, `input ${shapeString(x.shape)} is too small for a ${kh}x${kw} kernel: output would be ${outH}x${outW}`);

  let input = x.name;
  let pads = [top, left, bottom, right];
  if (paddingMode !== 'zeros' && pads.some((p) => p > 0)) {
    const mode = padModes[paddingMode as keyof typeof padModes];
    if (!mode)
      throw new UnsupportedModuleError(
        ctx.pathOf(conv),
        conv.typeName,
        `paddingMode '${paddingMode}' has no ONNX Pad mode before opset 19`,
      );
    const padsConst = ctx.graph.int64Constant(`${ctx.pathOf(conv)}.pads`, [0, 0, top, left, 0, 0, bottom, right]);
    input = ctx.node('Pad', [x.name, padsConst], { mode });
    pads = [0, 0, 0, 0];
  }
  const name = ctx.graph.add(
    'Conv',
    [input, ...convParameters(ctx, conv, norm)],
    { kernel_shape: [kh, kw], strides, pads, dilations, group: groups },
    ctx.pathOf(conv),
  );
  return { name, shape: [x.shape[0], conv.outChannels, outH, outW] };
}

/** `BatchNorm2d` in evaluation: ONNX BatchNormalization with the running statistics. */
export function writeBatchNorm(ctx: MappingContext, norm: BatchNorm2d, x: OnnxValue): OnnxValue {
  expectChannels(ctx.pathOf(norm), x, norm.numFeatures);
  const { runningMean, runningVar } = requireRunningStats(ctx, norm);
  const c = [norm.numFeatures];
  const g = ctx.graph;
  const path = ctx.pathOf(norm);
  // Without affine parameters γ = 1 and β = 0, written as constants (no state-dict key exists).
  const scale = norm.weight
    ? g.initializer(ctx.key(norm, 'weight'), norm.weight, c)
    : g.constant(`${path}.ones`, new Float32Array(c[0]).fill(1), c);
  const shift = norm.bias ? g.initializer(ctx.key(norm, 'bias'), norm.bias, c) : g.constant(`${path}.zeros`, new Float32Array(c[0]), c);
  const mean = g.initializer(ctx.key(norm, 'running_mean'), runningMean, c);
  const variance = g.initializer(ctx.key(norm, 'running_var'), runningVar, c);
  const name = g.add('BatchNormalization', [x.name, scale, shift, mean, variance], { epsilon: { float: norm.eps } }, path);
  return { name, shape: x.shape };
}

/** Conv → BatchNorm, folded or as two nodes (the export's `foldBatchNorm`). */
export function writeConvNorm(ctx: MappingContext, conv: Conv2d, norm: BatchNorm2d | null, x: OnnxValue): OnnxValue {
  if (norm && ctx.settings.foldBatchNorm) return writeConv(ctx, conv, x, norm);
  const y = writeConv(ctx, conv, x);
  return norm ? writeBatchNorm(ctx, norm, y) : y;
}
