import * as tf from '@tensorflow/tfjs-core';
import {
  adaptiveBins,
  type Module,
  parameterConversion,
  poolOutputSize,
  ShapeError,
  shapeString,
  toPair,
  toPytorchShape,
  toPytorchValues,
} from '@convkit/core';
import {
  Activation,
  type AdaptiveAvgPool2d,
  type AvgPool2d,
  Conv2d,
  type Flatten,
  type Linear,
  type MaxPool2d,
  type SqueezeExcitation,
} from '@convkit/layers';
import { BatchNorm2d } from '@convkit/regularization';
import { writeActivation } from './activation-mapping';
import { writeBatchNorm, writeConv, writeConvNorm } from './conv-mapping';
import { UnsupportedModuleError } from './errors';
import type { MappingContext, OnnxMapping } from './mapping-context';
import type { OnnxValue } from './onnx-graph';

const where = (ctx: MappingContext) => `exportOnnx: module '${ctx.path}'`;

function expectMap(ctx: MappingContext, x: OnnxValue): void {
  if (x.shape.length !== 4) throw new ShapeError(where(ctx), `expected an NCHW feature map, got ${shapeString(x.shape)}`);
}

/** Children in order; a Conv2d followed by a BatchNorm2d is one Conv when the export folds. */
export function writeSequence(ctx: MappingContext, modules: Module[], x: OnnxValue): OnnxValue {
  let y = x;
  for (let i = 0; i < modules.length; i++) {
    const m = modules[i];
    const next = modules[i + 1];
    if (m instanceof Conv2d && next instanceof BatchNorm2d) {
      y = writeConvNorm(ctx, m, next, y);
      i++;
    } else {
      y = ctx.emit(m, y);
    }
  }
  return y;
}

/** Pooling geometry in PyTorch's rule; ceil mode becomes extra bottom/right padding (exact for max pooling). */
function poolGeometry(ctx: MappingContext, x: OnnxValue, options: MaxPool2d['options']) {
  expectMap(ctx, x);
  const kernel = toPair(where(ctx), 'kernelSize', options.kernelSize, 1);
  const stride = toPair(where(ctx), 'stride', options.stride ?? kernel, 1);
  const padding = toPair(where(ctx), 'padding', options.padding ?? 0, 0);
  const out = [0, 1].map((i) => {
    const size = x.shape[2 + i];
    const o =
      size + 2 * padding[i] < kernel[i]
        ? 0
        : poolOutputSize(size, kernel[i], { stride: stride[i], padding: padding[i], ceilMode: options.ceilMode });
    if (o < 1)
      throw new ShapeError(
        where(ctx),
        `input ${shapeString(x.shape)} is too small for a ${kernel[0]}x${kernel[1]} window with padding [${padding}]`,
      );
    return o;
  });
  const extra = [0, 1].map((i) => Math.max(0, (out[i] - 1) * stride[i] + kernel[i] - (x.shape[2 + i] + 2 * padding[i])));
  return { kernel, stride, padding, out, extra };
}

const maxPool: OnnxMapping<MaxPool2d> = (m, x, ctx) => {
  const { kernel, stride, padding, out, extra } = poolGeometry(ctx, x, m.options);
  // Max pooling never selects padding, so ceil mode is the same as padding the far edges.
  const pads = [padding[0], padding[1], padding[0] + extra[0], padding[1] + extra[1]];
  return {
    name: ctx.node('MaxPool', [x.name], { kernel_shape: kernel, strides: stride, pads }),
    shape: [x.shape[0], x.shape[1], out[0], out[1]],
  };
};

const avgPool: OnnxMapping<AvgPool2d> = (m, x, ctx) => {
  if (m.options.divisorOverride !== undefined)
    throw new UnsupportedModuleError(ctx.path, m.typeName, 'divisorOverride has no ONNX AveragePool form');
  const { kernel, stride, padding, out } = poolGeometry(ctx, x, m.options);
  const attributes = {
    kernel_shape: kernel,
    strides: stride,
    pads: [padding[0], padding[1], padding[0], padding[1]],
    ceil_mode: m.options.ceilMode ? 1 : 0,
    count_include_pad: m.options.countIncludePad === false ? 0 : 1,
  };
  return { name: ctx.node('AveragePool', [x.name], attributes), shape: [x.shape[0], x.shape[1], out[0], out[1]] };
};

/** To 1×1: GlobalAveragePool; an even division: AveragePool; otherwise PyTorch's bins as two MatMuls. */
const adaptiveAvgPool: OnnxMapping<AdaptiveAvgPool2d> = (m, x, ctx) => {
  expectMap(ctx, x);
  const [, c, h, w] = x.shape;
  const requested = typeof m.outputSize === 'number' ? [m.outputSize, m.outputSize] : m.outputSize;
  const [oh, ow] = toPair(where(ctx), 'outputSize', [requested[0] ?? h, requested[1] ?? w], 1);
  const shape = [x.shape[0], c, oh, ow];
  if (oh === h && ow === w) return { name: ctx.node('Identity', [x.name]), shape };
  if (oh === 1 && ow === 1) return { name: ctx.node('GlobalAveragePool', [x.name]), shape };
  if (h % oh === 0 && w % ow === 0) {
    const kernel = [h / oh, w / ow];
    return { name: ctx.node('AveragePool', [x.name], { kernel_shape: kernel, strides: kernel }), shape };
  }
  const rows = ctx.graph.initializer(`${ctx.path}.rows`, adaptiveBins(h, oh), [oh, h], { owned: true });
  const cols = ctx.graph.initializer(
    `${ctx.path}.cols`,
    tf.tidy(() => tf.transpose(adaptiveBins(w, ow))),
    [w, ow],
    { owned: true },
  );
  return { name: ctx.node('MatMul', [ctx.node('MatMul', [rows, x.name]), cols]), shape };
};

const flatten: OnnxMapping<Flatten> = (m, x, ctx) => {
  if (m.startDim !== 1)
    throw new UnsupportedModuleError(ctx.path, m.typeName, `startDim ${m.startDim}: only a flatten from dim 1 is mapped`);
  const [n, ...rest] = x.shape;
  const flattenedFrom = x.shape.length === 4 ? { channels: x.shape[1], height: x.shape[2], width: x.shape[3] } : undefined;
  return { name: ctx.node('Flatten', [x.name], { axis: 1 }), shape: [n, rest.reduce((a, b) => a * b, 1)], flattenedFrom };
};

/** Gemm with PyTorch's `[out, in]` weight (`transB`), reordered to C,H,W after a flattened map. */
const linear: OnnxMapping<Linear> = (m, x, ctx) => {
  if (x.shape.length !== 2 || x.shape[1] !== m.inFeatures)
    throw new ShapeError(where(ctx), `expected [N,${m.inFeatures}], got ${shapeString(x.shape)}`);
  // After a flattened [C,H,W] map, ONNX's columns are in C,H,W order and convkit's rows in H,W,C.
  const shape = m.weight.shape;
  const c = parameterConversion(shape, x.flattenedFrom);
  const weight = ctx.graph.initializer(ctx.key(m, 'weight'), m.weight, toPytorchShape(shape, c), {
    convert: (v) => toPytorchValues(v, shape, c),
  });
  const inputs = [x.name, weight];
  if (m.bias) inputs.push(ctx.graph.initializer(ctx.key(m, 'bias'), m.bias, [m.outFeatures]));
  return { name: ctx.node('Gemm', inputs, { transB: 1 }), shape: [x.shape[0], m.outFeatures] };
};

/** torchvision's SqueezeExcitation: x · σ(fc2(act(fc1(avgpool(x))))). */
const squeezeExcitation: OnnxMapping<SqueezeExcitation> = (m, x, ctx) => {
  const squeezed = ctx.emit(m.avgpool, x);
  const scale = ctx.emit(m.scaleActivation, ctx.emit(m.fc2, ctx.emit(m.activation, ctx.emit(m.fc1, squeezed))));
  return { name: ctx.node('Mul', [x.name, scale.name]), shape: x.shape };
};

// Evaluation mode: dropout and stochastic depth are the identity and write nothing.
const passThrough: OnnxMapping = (_m, x) => x;

/** The layers of @convkit/layers and @convkit/regularization, by `typeName`. */
export const layerMappings: Record<string, OnnxMapping> = {
  Conv2d: (m, x, ctx) => writeConv(ctx, m as Conv2d, x),
  BatchNorm2d: (m, x, ctx) => writeBatchNorm(ctx, m as BatchNorm2d, x),
  MaxPool2d: maxPool as OnnxMapping,
  AvgPool2d: avgPool as OnnxMapping,
  AdaptiveAvgPool2d: adaptiveAvgPool as OnnxMapping,
  Flatten: flatten as OnnxMapping,
  Linear: linear as OnnxMapping,
  Sequential: (m, x, ctx) => writeSequence(ctx, m.children(), x),
  Conv2dNormActivation: (m, x, ctx) => writeSequence(ctx, m.children(), x),
  SqueezeExcitation: squeezeExcitation as OnnxMapping,
  Identity: passThrough,
  Dropout: passThrough,
  Dropout2d: passThrough,
  StochasticDepth: passThrough,
};

/** Any `Activation` (ReLU, SiLU, … or one made by name) maps by its kind, whatever its display name. */
export function activationMapping(m: Module): OnnxMapping | undefined {
  return m instanceof Activation ? (_m, x, ctx) => writeActivation(ctx, m.kind, x) : undefined;
}
