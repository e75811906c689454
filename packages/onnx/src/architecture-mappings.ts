import { type ActivationName, type Module, ShapeError, shapeString } from '@convkit/core';
import type { Conv2d, Linear } from '@convkit/layers';
import type { BatchNorm2d } from '@convkit/regularization';
import { writeActivation } from './activation-mapping';
import { writeConvNorm } from './conv-mapping';
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

/** EfficientNet's MBConv (torchvision or timm names): its public `units`, the SE after the depthwise one, the residual. */
const mbconv: OnnxMapping = (m, x, ctx) => {
  const { units, se, useResConnect } = m as Module & { units: ConvUnitLike[]; se: Module; useResConnect: boolean };
  let y = x;
  units.forEach((unit, i) => {
    y = writeActivation(ctx, unit.activation, writeConvNorm(ctx, unit.conv, unit.norm, y));
    if (i === units.length - 2) y = ctx.emit(se, y);
  });
  // Stochastic depth is the identity in evaluation.
  return useResConnect ? add(ctx, y, x) : y;
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
    if (y.shape.length === 4) {
      y = {
        name: ctx.node('Flatten', [y.name], { axis: 1 }),
        shape: [y.shape[0], y.shape[1] * y.shape[2] * y.shape[3]],
        flattenedFrom: { channels: y.shape[1], height: y.shape[2], width: y.shape[3] },
      };
    }
    return writeSequence(
      ctx,
      children.slice(headAt).map(([, c]) => c),
      y,
    );
  };
}

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
  Inception: (_m, x, ctx) => {
    const branches = ['branch1', 'branch2', 'branch3', 'branch4'].map((b) => ctx.emit(b, x));
    const channels = branches.reduce((n, b) => n + b.shape[1], 0);
    return {
      name: ctx.node(
        'Concat',
        branches.map((b) => b.name),
        { axis: 1 },
      ),
      shape: [x.shape[0], channels, x.shape[2], x.shape[3]],
    };
  },
  MBConv: mbconv,
  ResNet: inOrder('fc'),
  VGG: inOrder('classifier'),
  EfficientNet: inOrder('classifier'),
  SmallCNN: inOrder('classifier'),
  GoogLeNet: (m, x, ctx) => {
    const input = (m as Module & { transformInput: boolean }).transformInput ? transformInput(ctx, x) : x;
    return inOrder('dropout', ['aux1', 'aux2'])(m, input, ctx);
  },
  TimmEfficientNet: timmEfficientNet,
};
