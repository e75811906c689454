import type { ActivationName } from '@convkit/core';
import type { MappingContext } from './mapping-context';
import type { OnnxValue } from './onnx-graph';

// The ONNX form of each activation; SiLU and GELU have no op of their own before opset 20+.
const writers: Record<ActivationName, (ctx: MappingContext, x: string) => string> = {
  linear: (_ctx, x) => x,
  relu: (ctx, x) => ctx.node('Relu', [x]),
  relu6: (ctx, x) => ctx.node('Clip', [x, ctx.graph.constant('relu6.min', [0]), ctx.graph.constant('relu6.max', [6])]),
  sigmoid: (ctx, x) => ctx.node('Sigmoid', [x]),
  tanh: (ctx, x) => ctx.node('Tanh', [x]),
  silu: (ctx, x) => ctx.node('Mul', [x, ctx.node('Sigmoid', [x])]),
  swish: (ctx, x) => writers.silu(ctx, x),
  // PyTorch's relu6(x + 3) / 6 is ONNX's HardSigmoid with alpha 1/6, beta 0.5.
  hardsigmoid: (ctx, x) => ctx.node('HardSigmoid', [x], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } }),
  hardswish: (ctx, x) => (ctx.settings.opset >= 14 ? ctx.node('HardSwish', [x]) : ctx.node('Mul', [x, writers.hardsigmoid(ctx, x)])),
  gelu: (ctx, x) => {
    const erf = ctx.node('Erf', [ctx.node('Div', [x, ctx.graph.constant('gelu.sqrt2', [Math.SQRT2])])]);
    const half = ctx.node('Mul', [x, ctx.graph.constant('gelu.half', [0.5])]);
    return ctx.node('Mul', [half, ctx.node('Add', [erf, ctx.graph.constant('gelu.one', [1])])]);
  },
  gelu_tanh: (ctx, x) => {
    const cube = ctx.node('Mul', [x, ctx.node('Mul', [x, x])]);
    const inner = ctx.node('Add', [x, ctx.node('Mul', [cube, ctx.graph.constant('gelu.c', [0.044715])])]);
    const t = ctx.node('Tanh', [ctx.node('Mul', [inner, ctx.graph.constant('gelu.k', [Math.sqrt(2 / Math.PI)])])]);
    const half = ctx.node('Mul', [x, ctx.graph.constant('gelu.half', [0.5])]);
    return ctx.node('Mul', [half, ctx.node('Add', [t, ctx.graph.constant('gelu.one', [1])])]);
  },
};

/** Writes an activation by convkit's name (the shape is unchanged). */
export function writeActivation(ctx: MappingContext, kind: ActivationName, x: OnnxValue): OnnxValue {
  return { name: writers[kind](ctx, x.name), shape: x.shape };
}
