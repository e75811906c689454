import * as tf from '@tensorflow/tfjs-core';
import { type Module, OptionError, toPytorchShape, toPytorchValues } from '@convkit/core';
import { UnsupportedModuleError } from './errors';
import { OnnxModel } from './import/onnx-model';
import { conversion } from './import/parameters';
import type { Attribute, Graph, GraphNode, StaticTensor } from './import/read-graph';
import type { MappingContext, OnnxMapping } from './mapping-context';
import type { AttributeValue, OnnxValue } from './onnx-graph';

/** The lowest opset an imported graph is written back at: before 13 ops changed meaning (Softmax's axis, Clip's bounds). */
const MIN_IMPORTED_OPSET = 13;

// The graph keeps numbers without ONNX's int/float distinction: these attributes are floats in every op that has them.
const FLOAT_ATTRIBUTES = new Set([
  'alpha',
  'beta',
  'bias',
  'epsilon',
  'momentum',
  'ratio',
  'gamma',
  'lambd',
  'min',
  'max',
  'value',
  'value_float',
  'cubic_coeff_a',
  'extrapolation_value',
  'spatial_scale',
]);
const FLOATS_ATTRIBUTES = new Set(['scales', 'value_floats']);

const isTensor = (a: Attribute): a is StaticTensor => typeof a === 'object' && !Array.isArray(a);
const dataType = (t: StaticTensor) => (t.dtype === 'float32' ? 'float32' : 'int64');

function attributeValue(path: string, node: GraphNode, name: string, a: Attribute): AttributeValue {
  if (isTensor(a)) return { tensor: { dims: a.dims, dataType: dataType(a), values: a.values } };
  if (typeof a === 'number' && FLOAT_ATTRIBUTES.has(name)) return { float: a };
  if (Array.isArray(a) && FLOATS_ATTRIBUTES.has(name)) return { floats: a };
  if (Array.isArray(a) && a.some((v) => !Number.isFinite(v)))
    throw new UnsupportedModuleError(
      path,
      'OnnxModel',
      `node '${node.name}' (${node.opType}): attribute '${name}' (strings) cannot be written back`,
    );
  return a;
}

/**
 * The opset of an export whose tree holds imported graphs: theirs (the highest, with several)
 * unless `requested` asks for a later one. Writing a graph at an earlier opset than its own, or
 * one imported below opset 13, is refused; `requested` itself when nothing was imported.
 */
export function exportOpset(model: Module, requested: number | undefined): number | undefined {
  const imported = model
    .namedModules()
    .flatMap(([path, m]) => (m instanceof OnnxModel ? [[path || '(root)', m.exportView().graph.opset] as const] : []));
  for (const [path, opset] of imported)
    if (opset < MIN_IMPORTED_OPSET)
      throw new OptionError(
        `exportOnnx: module '${path}'`,
        `expected a graph of opset ${MIN_IMPORTED_OPSET} or later to write back, got opset ${opset}`,
      );
  const opset = requested ?? (imported.length ? Math.max(...imported.map(([, o]) => o)) : undefined);
  for (const [path, own] of imported)
    if (opset !== undefined && opset < own)
      throw new OptionError('exportOnnx: opset', `expected ${own} or later (the opset of the graph imported at '${path}'), got ${opset}`);
  return opset;
}

/** The shape of the graph's output for input `x`: one run in eval mode (as `predict` does). */
function outputShape(model: OnnxModel, x: OnnxValue): number[] {
  const [name] = model.inputNames;
  return tf.tidy(() => Object.values(model.run({ [name as string]: tf.zeros(x.shape) }))[0]?.shape as number[]);
}

/** The nodes the output needs, walking back from it; weight uses (written as initializers of their own) need nothing. */
function liveNodes(graph: Graph, weights: Map<number, Map<number, tf.Variable>>, output: string): GraphNode[] {
  const needed = new Set([output]);
  const live: GraphNode[] = [];
  for (const node of [...graph.nodes].reverse()) {
    if (!node.outputs.some((o) => needed.has(o))) continue;
    live.push(node);
    node.inputs.forEach((name, i) => {
      if (!weights.get(node.index)?.has(i)) needed.add(name);
    });
  }
  return live.reverse();
}

/**
 * Writes an imported graph (an `OnnxModel`, after any cut) into the export: its own nodes, fed
 * by `x` (NCHW, the graph's own layout, so a following Linear reads features as the graph's
 * Flatten wrote them); each weight use as an initializer of its own under its state-dict key,
 * with the current values in ONNX's layout (conv OIHW, Gemm `[out, in]` under `transB`), so
 * initializers torch shared are written apart; BatchNorm with its current running statistics.
 */
export function writeImported(ctx: MappingContext, model: OnnxModel, x: OnnxValue): OnnxValue {
  const path = ctx.pathOf(model);
  const { graph, weights } = model.exportView();
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1)
    throw new UnsupportedModuleError(
      path,
      model.typeName,
      `exportOnnx writes a graph of one input and one output, got ${graph.inputs.length} and ${graph.outputs.length}`,
    );
  const shape = outputShape(model, x);
  const g = ctx.graph;
  const keys = new Map([...model.namedParameters(), ...model.namedBuffers()].map(([key, v]) => [v, ctx.key(model, key)]));
  const names = new Map([[(graph.inputs[0] as { name: string }).name, x.name]]);
  const rename = (name: string): string => {
    if (!name) return name;
    let out = names.get(name);
    if (out !== undefined) return out;
    const known = graph.initializers.get(name);
    if (!known) out = g.unique(name);
    else if (known.dtype === 'float32') out = g.constant(name, known.values as Float32Array, known.dims);
    else out = g.int64Constant(name, Array.from(known.values), known.dims);
    names.set(name, out);
    return out;
  };
  const output = (graph.outputs[0] as { name: string }).name;
  for (const node of liveNodes(graph, weights, output)) {
    const own = weights.get(node.index);
    const inputs = node.inputs.map((name, i) => {
      const v = own?.get(i);
      if (!v) return rename(name);
      const c = conversion(node, i, v.rank);
      const dims = toPytorchShape(v.shape, c);
      return g.initializer(g.unique(keys.get(v) as string), v, dims, { convert: (values) => toPytorchValues(values, v.shape, c) });
    });
    // Written for inference: a BatchNormalization of a training export is written in its eval form.
    const attributes = Object.entries(node.attributes).filter(([k]) => !(node.opType === 'BatchNormalization' && k === 'training_mode'));
    g.append({
      opType: node.opType,
      name: g.unique(node.name),
      inputs,
      outputs: node.outputs.map(rename),
      attributes: Object.fromEntries(attributes.map(([k, a]) => [k, attributeValue(path, node, k, a)])),
    });
  }
  return { name: rename(output), shape };
}

/** The mapping of an imported graph, by its module's `typeName`. */
export const importedMappings: Record<string, OnnxMapping> = {
  OnnxModel: (m, x, ctx) => writeImported(ctx, m as OnnxModel, x),
};
