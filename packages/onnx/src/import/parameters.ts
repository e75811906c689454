import { type LayoutConversion, toTfjsShape, toTfjsValues } from '@convkit/core';
import { isModuleName, scopePath, uniqueKey } from './names';
import type { Graph, GraphNode, StaticTensor } from './read-graph';

// Which initializers become parameters, under which names, in which layout.

/** One use of an initializer as a weight: it gets a parameter (or buffer) of its own. */
export interface ParameterUse {
  key: string;
  node: number;
  input: number;
  /** The initializer's name in the file. */
  original: string;
  buffer: boolean;
  dims: number[];
  values: Float32Array;
}

// The inputs of each op that are module weights, by input position.
const ROLES: Record<string, (string | undefined)[]> = {
  Conv: [undefined, 'weight', 'bias'],
  Gemm: [undefined, 'weight', 'bias'],
  MatMul: [undefined, 'weight'],
  BatchNormalization: [undefined, 'weight', 'bias', 'running_mean', 'running_var'],
  LayerNormalization: [undefined, 'weight', 'bias'],
};
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div']);

export function conversion(node: GraphNode, input: number, rank: number): LayoutConversion {
  if (node.opType === 'Conv' && input === 1 && rank === 4) return { kind: 'conv' };
  if (node.opType === 'Gemm' && input === 1 && node.attributes.transB === 1) return { kind: 'linear' };
  return { kind: 'as-is' };
}

/** The initializer behind `name`, looking through Identity nodes (torch hides de-duplicated initializers behind them). */
function resolver(graph: Graph): (name: string) => string | undefined {
  const producer = new Map<string, GraphNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  return (name) => {
    const seen = new Set<string>();
    let current = name;
    while (!graph.initializers.has(current)) {
      const p = producer.get(current);
      if (!p || p.opType !== 'Identity' || seen.has(current)) return undefined;
      seen.add(current);
      current = p.inputs[0];
    }
    return current;
  };
}

function roleOf(node: GraphNode, input: number, original: string, tensor: StaticTensor): string | undefined {
  if (tensor.dtype !== 'float32') return undefined;
  if (ELEMENTWISE.has(node.opType))
    return tensor.values.length > 1
      ? isModuleName(original)
        ? (original.split('.').pop() as string)
        : node.opType === 'Add'
          ? 'bias'
          : 'weight'
      : undefined;
  return ROLES[node.opType]?.[input];
}

/** Every weight use in the graph, un-shared, named after the node's module scope. */
export function planParameters(graph: Graph): ParameterUse[] {
  const resolve = resolver(graph);
  const used = new Set<string>();
  const uses: ParameterUse[] = [];
  for (const node of graph.nodes) {
    node.inputs.forEach((name, input) => {
      const original = name && resolve(name);
      if (!original) return;
      const tensor = graph.initializers.get(original) as StaticTensor;
      const role = roleOf(node, input, original, tensor);
      if (!role) return;
      const scope = scopePath(node.name);
      const base = scope ? `${scope}.${role}` : isModuleName(original) ? original : `${node.name.replace(/[^\w]/g, '_')}.${role}`;
      const c = conversion(node, input, tensor.dims.length);
      uses.push({
        key: uniqueKey(base, used),
        node: node.index,
        input,
        original,
        buffer: role.startsWith('running_'),
        dims: toTfjsShape(tensor.dims, c),
        values: toTfjsValues(tensor.values as Float32Array, tensor.dims, c),
      });
    });
  }
  return uses;
}
