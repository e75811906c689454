import { type ActivationName, type Module, ShapeError, shapeString } from '@convkit/core';
import type { Conv2d, Linear } from '@convkit/layers';
import type { BatchNorm2d } from '@convkit/regularization';
import { writeActivation } from './activation-mapping';
import { writeConv, writeConvNorm } from './conv-mapping';
import { writeSequence } from './layer-mappings';
import type { MappingContext, OnnxMapping } from './mapping-context';
import type { OnnxValue } from './onnx-graph';

// The blocks and models of the architecture packages, read by their torchvision child names
// (the state-dict contract) and public fields, so this package needs none of them installed.

const conv = (ctx: MappingContext, name: string) => ctx.child(name) as Conv2d;
const norm = (ctx: MappingContext, name: string) => ctx.child(name) as BatchNorm2d;

function add(ctx: MappingContext, a: OnnxValue, b: OnnxValue): OnnxValue {
  if (shapeString(a.shape) !== shapeString(b.shape))
    throw new ShapeError(`exportOnnx: module '${ctx.path}'`, `residual shapes differ: ${shapeString(a.shape)} vs ${shapeString(b.shape)}`);
  return { name: ctx.node('Add', [a.name, b.name]), shape: a.shape };
}

/** Channel concatenation of NCHW maps of the same size (Inception's branches, Fire's expands). */
function concat(ctx: MappingContext, values: OnnxValue[]): OnnxValue {
  const [first] = values;
  for (const v of values)
    if (v.shape.length !== 4 || v.shape[0] !== first.shape[0] || v.shape[2] !== first.shape[2] || v.shape[3] !== first.shape[3])
      throw new ShapeError(
        `exportOnnx: module '${ctx.path}'`,
        `concatenated maps differ: ${values.map((b) => shapeString(b.shape)).join(' vs ')}`,
      );
  const channels = values.reduce((n, v) => n + v.shape[1], 0);
  return {
    name: ctx.node(
      'Concat',
      values.map((v) => v.name),
      { axis: 1 },
    ),
    shape: [first.shape[0], channels, first.shape[2], first.shape[3]],
  };
}

/** A `[N,C,H,W]` map to `[N,C·H·W]`, remembering the map for the Linear that follows. */
function flattenMap(ctx: MappingContext, x: OnnxValue): OnnxValue {
  if (x.shape.length !== 4) return x;
  return {
    name: ctx.node('Flatten', [x.name], { axis: 1 }),
    shape: [x.shape[0], x.shape[1] * x.shape[2] * x.shape[3]],
    flattenedFrom: { channels: x.shape[1], height: x.shape[2], width: x.shape[3] },
  };
}

/**
 * PyTorch's `x.mean([2, 3])` (or `flatten(adaptive_avg_pool2d(x, 1), 1)`): `[N,C,H,W]` → `[N,C]`;
 * a map already pooled to 1×1 (by a pooling child of the model) is only flattened.
 */
function globalAveragePool(ctx: MappingContext, x: OnnxValue): OnnxValue {
  if (x.shape.length !== 4)
    throw new ShapeError(`exportOnnx: module '${ctx.path}'`, `expected an NCHW feature map, got ${shapeString(x.shape)}`);
  const pooled = x.shape[2] === 1 && x.shape[3] === 1 ? x.name : ctx.node('GlobalAveragePool', [x.name]);
  return { name: ctx.node('Flatten', [pooled], { axis: 1 }), shape: [x.shape[0], x.shape[1]] };
}

/** ResNet's BasicBlock and Bottleneck: relu(convs(x) + downsample(x)), as torchvision's forward. */
function residualBlock(convs: number): OnnxMapping {
  return (_m, x, ctx) => {
    let y = x;
    for (let i = 1; i <= convs; i++) {
      y = writeConvNorm(ctx, conv(ctx, `conv${i}`), norm(ctx, `bn${i}`), y);
      if (i < convs) y = writeActivation(ctx, 'relu', y);
    }
    const downsample = ctx.optionalChild('downsample');
    return writeActivation(ctx, 'relu', add(ctx, y, downsample ? ctx.emit(downsample, x) : x));
  };
}

interface ConvUnitLike {
  conv: Conv2d;
  norm: BatchNorm2d;
  activation: ActivationName;
}

/**
 * The blocks that list their convs as public `units` (conv → norm → activation each), with an
 * optional `se` after the next-to-last (depthwise) one and the input added when `useResConnect`
 * (after the last unit's activation, as torchvision's forward): EfficientNet's MBConv (torchvision
 * or timm names), EfficientNetV2's FusedMBConv (no SE; with expand ratio 1 one k×k conv → SiLU
 * before the add), MobileNetV2's and V3's InvertedResidual (torchvision's or timm's names; SE
 * gated by Hardsigmoid).
 */
const mbconv: OnnxMapping = (m, x, ctx) => {
  const { units, se, useResConnect } = m as Module & { units: ConvUnitLike[]; se?: Module | null; useResConnect: boolean };
  let y = x;
  units.forEach((unit, i) => {
    y = writeActivation(ctx, unit.activation, writeConvNorm(ctx, unit.conv, unit.norm, y));
    if (se && i === units.length - 2) y = ctx.emit(se, y);
  });
  // Stochastic depth is the identity in evaluation.
  return useResConnect ? add(ctx, y, x) : y;
};

/** timm's `ConvBnAct` (MobileNetV3's last stage, MobileNetV4's `cn` blocks) and `ConvNormAct`: its public `unit`, conv → norm → activation. */
const convBnAct: OnnxMapping = (m, x, ctx) => {
  const { unit } = m as Module & { unit: ConvUnitLike };
  return writeActivation(ctx, unit.activation, writeConvNorm(ctx, unit.conv, unit.norm, x));
};

/** MNASNet's `_InvertedResidual`: the `layers` Sequential (expand → depthwise → project), plus the input when `applyResidual`. */
const mnasnetBlock: OnnxMapping = (m, x, ctx) => {
  const y = ctx.emit('layers', x);
  return (m as Module & { applyResidual: boolean }).applyResidual ? add(ctx, y, x) : y;
};

/**
 * torchvision's `channel_shuffle` in NCHW: `[N, g·c, H, W]` viewed as `[N, g, c, H, W]`, the
 * two group axes swapped, viewed back (Reshape → Transpose → Reshape; 0 keeps the dynamic batch).
 */
function channelShuffle(ctx: MappingContext, x: OnnxValue, groups: number): OnnxValue {
  const [, c, h, w] = x.shape;
  if (c % groups !== 0) throw new ShapeError(`exportOnnx: module '${ctx.path}'`, `${c} channels do not split into ${groups} groups`);
  const grouped = ctx.graph.int64Constant(`${ctx.path}.shuffle.grouped`, [0, groups, c / groups, h, w]);
  const flat = ctx.graph.int64Constant(`${ctx.path}.shuffle.flat`, [0, c, h, w]);
  const swapped = ctx.node('Transpose', [ctx.node('Reshape', [x.name, grouped])], { perm: [0, 2, 1, 3, 4] });
  return { name: ctx.node('Reshape', [swapped, flat]), shape: x.shape };
}

/** Channels `[from, to)` of an NCHW map (torchvision's `x.chunk(2, dim=1)` halves). */
function channelSlice(ctx: MappingContext, x: OnnxValue, from: number, to: number): OnnxValue {
  const int64 = (base: string, v: number) => ctx.graph.int64Constant(`${ctx.path}.${base}`, [v]);
  const name = ctx.node('Slice', [x.name, int64('slice.start', from), int64('slice.end', to), int64('slice.axis', 1)]);
  return { name, shape: [x.shape[0], to - from, x.shape[2], x.shape[3]] };
}

/**
 * ShuffleNetV2's InvertedResidual: stride 1 splits the channels in halves, the first passes
 * through and the second goes through `branch2`; a larger stride runs `branch1` and `branch2`
 * on the whole input. The halves are concatenated and channel-shuffled with 2 groups.
 */
const shuffleBlock: OnnxMapping = (m, x, ctx) => {
  const { stride } = m as Module & { stride: number };
  let halves: OnnxValue[];
  if (stride === 1) {
    const c = x.shape[1];
    if (x.shape.length !== 4 || c % 2 !== 0)
      throw new ShapeError(
        `exportOnnx: module '${ctx.path}'`,
        `expected an NCHW map with an even channel count, got ${shapeString(x.shape)}`,
      );
    halves = [channelSlice(ctx, x, 0, c / 2), ctx.emit('branch2', channelSlice(ctx, x, c / 2, c))];
  } else {
    halves = [ctx.emit('branch1', x), ctx.emit('branch2', x)];
  }
  return channelShuffle(ctx, concat(ctx, halves), 2);
};

/**
 * torchvision names two blocks `InvertedResidual`: ShuffleNetV2's (children `branch1` and
 * `branch2`) and MobileNetV2/V3's (public `units`, `block` or `conv` children, timm's `conv_*`).
 */
const invertedResidual: OnnxMapping = (m, x, ctx) => (ctx.optionalChild('branch2') ? shuffleBlock : mbconv)(m, x, ctx);

/** SqueezeNet's Fire: squeeze → ReLU, then expand1x1 → ReLU and expand3x3 → ReLU concatenated (1×1's first). */
const fire: OnnxMapping = (_m, x, ctx) => {
  const s = ctx.emit('squeeze_activation', ctx.emit('squeeze', x));
  const e1 = ctx.emit('expand1x1_activation', ctx.emit('expand1x1', s));
  const e3 = ctx.emit('expand3x3_activation', ctx.emit('expand3x3', s));
  return concat(ctx, [e1, e3]);
};

/** GoogLeNet's `transform_input`: from ImageNet normalisation to (x − 0.5) / 0.5, per channel. */
function transformInput(ctx: MappingContext, x: OnnxValue): OnnxValue {
  if (x.shape[1] !== 3)
    throw new ShapeError(`exportOnnx: module '${ctx.path}'`, `transformInput expects 3 input channels, got ${shapeString(x.shape)}`);
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const scale = ctx.graph.constant(
    'transform_input.scale',
    std.map((s) => s / 0.5),
    [1, 3, 1, 1],
  );
  const shift = ctx.graph.constant(
    'transform_input.shift',
    mean.map((v) => (v - 0.5) / 0.5),
    [1, 3, 1, 1],
  );
  return { name: ctx.node('Add', [ctx.node('Mul', [x.name, scale]), shift]), shape: x.shape };
}

/**
 * A classifier whose children, in registration order, are its forward pass (torchvision's
 * `forward` reads the same way), with the flatten before `head` that its forward does.
 * `skip` names children that evaluation never runs (GoogLeNet's aux heads).
 */
function inOrder(head: string, skip: string[] = []): OnnxMapping {
  return (m, x, ctx) => {
    let y = x;
    const children = m.namedChildren().filter(([name]) => !skip.includes(name));
    const headAt = children.findIndex(([name]) => name === head);
    y = writeSequence(
      ctx,
      children.slice(0, headAt).map(([, c]) => c),
      y,
    );
    y = flattenMap(ctx, y);
    return writeSequence(
      ctx,
      children.slice(headAt).map(([, c]) => c),
      y,
    );
  };
}

/**
 * A classifier whose children before `head`, in registration order, are its features, and whose
 * forward pools them functionally (`x.mean([2, 3])` or `adaptive_avg_pool2d(x, 1)`, no module) before
 * `head`: MobileNetV2, MNASNet, ShuffleNetV2 (whose `avgpool` child, where it has one, leaves 1×1).
 */
function pooledInOrder(head: string): OnnxMapping {
  return (m, x, ctx) => {
    ctx.child(head);
    const children = m.namedChildren();
    const headAt = children.findIndex(([name]) => name === head);
    const features = writeSequence(
      ctx,
      children.slice(0, headAt).map(([, c]) => c),
      x,
    );
    return writeSequence(
      ctx,
      children.slice(headAt).map(([, c]) => c),
      globalAveragePool(ctx, features),
    );
  };
}

/** SqueezeNet: `features`, then the convolutional `classifier` (dropout, 1×1 conv, ReLU, global average), flattened. */
const squeezeNet: OnnxMapping = (_m, x, ctx) => flattenMap(ctx, ctx.emit('classifier', ctx.emit('features', x)));

/**
 * timm's MobileNetV3: `conv_stem` → `bn1` → Hardswish → `blocks`; the head pools first:
 * `global_pool` → `conv_head` (bias, no norm) → Hardswish → flatten → `dropout` → `classifier`.
 */
const timmMobileNetV3: OnnxMapping = (_m, x, ctx) => {
  const stem = writeActivation(ctx, 'hardswish', writeConvNorm(ctx, conv(ctx, 'conv_stem'), norm(ctx, 'bn1'), x));
  const pooled = ctx.emit('global_pool', ctx.emit('blocks', stem));
  const hidden = writeActivation(ctx, 'hardswish', writeConv(ctx, conv(ctx, 'conv_head'), pooled));
  return ctx.emit('classifier', ctx.emit('dropout', flattenMap(ctx, hidden)));
};

/** timm's MobileNetV4 `UniversalInvertedResidual`: optional `dw_start`, `pw_exp`, optional `dw_mid`, `pw_proj`, the skip. */
const universalInvertedResidual: OnnxMapping = (m, x, ctx) => {
  let y = x;
  for (const name of ['dw_start', 'pw_exp', 'dw_mid', 'pw_proj']) {
    const unit = ctx.optionalChild(name);
    if (unit) y = ctx.emit(unit, y);
  }
  return (m as Module & { hasSkip: boolean }).hasSkip ? add(ctx, y, x) : y;
};

/** timm's `EdgeResidual` (MobileNetV4's FusedIB): its public `units`, the skip. */
const edgeResidual: OnnxMapping = (m, x, ctx) => {
  const { units, hasSkip } = m as Module & { units: ConvUnitLike[]; hasSkip: boolean };
  const y = units.reduce((v, unit) => writeActivation(ctx, unit.activation, writeConvNorm(ctx, unit.conv, unit.norm, v)), x);
  return hasSkip ? add(ctx, y, x) : y;
};

/** timm's MobileNetV4 conv models: ReLU stem, blocks, pool, `conv_head` → `norm_head` → ReLU, classifier. */
const timmMobileNetV4: OnnxMapping = (_m, x, ctx) => {
  const unit = (y: OnnxValue, c: string, n: string) => writeActivation(ctx, 'relu', writeConvNorm(ctx, conv(ctx, c), norm(ctx, n), y));
  const pooled = ctx.emit('global_pool', ctx.emit('blocks', unit(x, 'conv_stem', 'bn1')));
  return ctx.emit('classifier', ctx.emit('dropout', flattenMap(ctx, unit(pooled, 'conv_head', 'norm_head'))));
};

/** timm's EfficientNet: the stem and head convs carry their SiLU inside (timm's BatchNormAct2d). */
const timmEfficientNet: OnnxMapping = (_m, x, ctx) => {
  const unit = (y: OnnxValue, c: string, n: string) => writeActivation(ctx, 'silu', writeConvNorm(ctx, conv(ctx, c), norm(ctx, n), y));
  const features = unit(ctx.emit('blocks', unit(x, 'conv_stem', 'bn1')), 'conv_head', 'bn2');
  const pooled = ctx.emit('global_pool', features);
  const flat: OnnxValue = { name: ctx.node('Flatten', [pooled.name], { axis: 1 }), shape: [pooled.shape[0], pooled.shape[1]] };
  return ctx.emit(ctx.child('classifier') as Linear, flat);
};

/** The architecture packages' blocks and models, by `typeName`. */
export const architectureMappings: Record<string, OnnxMapping> = {
  BasicBlock: residualBlock(2),
  Bottleneck: residualBlock(3),
  BasicConv2d: (_m, x, ctx) => writeActivation(ctx, 'relu', writeConvNorm(ctx, conv(ctx, 'conv'), norm(ctx, 'bn'), x)),
  Inception: (_m, x, ctx) =>
    concat(
      ctx,
      ['branch1', 'branch2', 'branch3', 'branch4'].map((b) => ctx.emit(b, x)),
    ),
  MBConv: mbconv,
  FusedMBConv: mbconv,
  InvertedResidual: invertedResidual,
  ConvBnAct: convBnAct,
  ConvNormAct: convBnAct,
  UniversalInvertedResidual: universalInvertedResidual,
  EdgeResidual: edgeResidual,
  _InvertedResidual: mnasnetBlock,
  Fire: fire,
  ResNet: inOrder('fc'),
  VGG: inOrder('classifier'),
  EfficientNet: inOrder('classifier'),
  SmallCNN: inOrder('classifier'),
  GoogLeNet: (m, x, ctx) => {
    const input = (m as Module & { transformInput: boolean }).transformInput ? transformInput(ctx, x) : x;
    return inOrder('dropout', ['aux1', 'aux2'])(m, input, ctx);
  },
  TimmEfficientNet: timmEfficientNet,
  MobileNetV2: pooledInOrder('classifier'),
  MobileNetV3: inOrder('classifier'),
  TimmMobileNetV3: timmMobileNetV3,
  TimmMobileNetV4: timmMobileNetV4,
  MNASNet: pooledInOrder('classifier'),
  SqueezeNet: squeezeNet,
  ShuffleNetV2: pooledInOrder('fc'),
};
