import { type Module, ShapeError, shapeString } from '@convkit/core';
import type { GELU, LayerNorm, LayerScale, Linear } from '@convkit/layers';
import { writeActivation } from './activation-mapping';
import { UnsupportedModuleError } from './errors';
import type { MappingContext, OnnxMapping } from './mapping-context';
import type { OnnxValue } from './onnx-graph';

// LayerNorm, LayerNorm2d, LayerScale and ConvNeXt's CNBlock. convkit normalises the channels, the
// last axis of its NHWC maps; ONNX's maps are NCHW, so a 4-D value is transposed to channels-last
// around the norm (as torchvision's own LayerNorm2d does).

const where = (ctx: MappingContext) => `exportOnnx: module '${ctx.path}'`;

function transpose(ctx: MappingContext, x: OnnxValue, perm: number[]): OnnxValue {
  return { name: ctx.node('Transpose', [x.name], { perm }), shape: perm.map((p) => x.shape[p]) };
}

const toLast = (ctx: MappingContext, x: OnnxValue) => transpose(ctx, x, [0, 2, 3, 1]);
const toFirst = (ctx: MappingContext, x: OnnxValue) => transpose(ctx, x, [0, 3, 1, 2]);

/** Layer norm over the last axis: LayerNormalization from opset 17, below it its decomposition (biased variance, as PyTorch). */
function normaliseLast(ctx: MappingContext, m: LayerNorm, x: OnnxValue): OnnxValue {
  const c = x.shape[x.shape.length - 1];
  if (m.normalizedShape.length !== 1)
    throw new UnsupportedModuleError(ctx.path, m.typeName, `normalizedShape ${shapeString(m.normalizedShape)}: only one axis is mapped`);
  if (c !== m.normalizedShape[0])
    throw new ShapeError(where(ctx), `expected ${m.normalizedShape[0]} channels, got ${shapeString(x.shape)}`);
  const weight = m.weight
    ? ctx.graph.initializer(ctx.key(m, 'weight'), m.weight, [c])
    : ctx.graph.constant('layer_norm.one', new Float32Array(c).fill(1), [c]);
  const bias = m.bias
    ? ctx.graph.initializer(ctx.key(m, 'bias'), m.bias, [c])
    : ctx.graph.constant('layer_norm.zero', new Float32Array(c), [c]);
  if (ctx.settings.opset >= 17) {
    return { name: ctx.node('LayerNormalization', [x.name, weight, bias], { axis: -1, epsilon: { float: m.eps } }), shape: x.shape };
  }
  const mean = (v: string) => ctx.node('ReduceMean', [v], { axes: [-1], keepdims: 1 });
  const centred = ctx.node('Sub', [x.name, mean(x.name)]);
  const variance = mean(ctx.node('Mul', [centred, centred]));
  const std = ctx.node('Sqrt', [ctx.node('Add', [variance, ctx.graph.constant('layer_norm.eps', [m.eps])])]);
  return { name: ctx.node('Add', [ctx.node('Mul', [ctx.node('Div', [centred, std]), weight]), bias]), shape: x.shape };
}

/** `LayerNorm(C)` / `LayerNorm2d(C)`: the channels of an NCHW map, or the features of `[N, C]`. */
const layerNorm: OnnxMapping<LayerNorm> = (m, x, ctx) => {
  if (x.shape.length === 4) return toFirst(ctx, normaliseLast(ctx, m, toLast(ctx, x)));
  if (x.shape.length === 2) return normaliseLast(ctx, m, x);
  throw new ShapeError(where(ctx), `expected an NCHW map or [N, C], got ${shapeString(x.shape)}`);
};

/** `x · layer_scale` with the `[C,1,1]` parameter, which broadcasts over an NCHW map as it is. */
function scale(ctx: MappingContext, key: string, value: LayerScale['scale'], x: OnnxValue): OnnxValue {
  if (x.shape.length !== 4 || x.shape[1] !== value.shape[0])
    throw new ShapeError(where(ctx), `expected an NCHW map with ${value.shape[0]} channels, got ${shapeString(x.shape)}`);
  return { name: ctx.node('Mul', [x.name, ctx.graph.initializer(key, value, value.shape)]), shape: x.shape };
}

/** A Linear on the last axis of a channels-last value: MatMul with the `[in, out]` weight (tfjs's layout is MatMul's), then the bias. */
function linearLast(ctx: MappingContext, m: Linear, x: OnnxValue): OnnxValue {
  if (x.shape[x.shape.length - 1] !== m.inFeatures)
    throw new ShapeError(where(ctx), `expected ${m.inFeatures} features last, got ${shapeString(x.shape)}`);
  const y = ctx.node('MatMul', [x.name, ctx.graph.initializer(ctx.key(m, 'weight'), m.weight, [m.inFeatures, m.outFeatures])]);
  const name = m.bias ? ctx.node('Add', [y, ctx.graph.initializer(ctx.key(m, 'bias'), m.bias, [m.outFeatures])]) : y;
  return { name, shape: [...x.shape.slice(0, -1), m.outFeatures] };
}

/**
 * ConvNeXt's CNBlock as torchvision's forward: depthwise conv (NCHW) → channels-last → LayerNorm →
 * Linear → GELU → Linear → NCHW → `layer_scale` → + input (stochastic depth is the identity in evaluation).
 */
const cnBlock: OnnxMapping = (m, x, ctx) => {
  const child = (i: number) => ctx.child(`block.${i}`);
  let y = toLast(ctx, ctx.emit(child(0), x));
  y = normaliseLast(ctx, child(2) as LayerNorm, y);
  y = linearLast(ctx, child(3) as Linear, y);
  y = writeActivation(ctx, (child(4) as GELU).kind, y);
  y = toFirst(ctx, linearLast(ctx, child(5) as Linear, y));
  y = scale(ctx, ctx.key(m, 'layer_scale'), (m as Module & { layerScale: LayerScale['scale'] }).layerScale, y);
  return { name: ctx.node('Add', [y.name, x.name]), shape: x.shape };
};

/** The normalisation layers and the models built on them, by `typeName`. */
export const normMappings: Record<string, OnnxMapping> = {
  LayerNorm: layerNorm as OnnxMapping,
  LayerNorm2d: layerNorm as OnnxMapping,
  LayerScale: (m, x, ctx) => scale(ctx, ctx.key(m, 'layer_scale'), (m as LayerScale).scale, x),
  CNBlock: cnBlock,
  // features → avgpool (GlobalAveragePool, [N,C,1,1]) → classifier (LayerNorm2d, Flatten, Linear).
  ConvNeXt: (_m, x, ctx) => ctx.emit('classifier', ctx.emit('avgpool', ctx.emit('features', x))),
};
