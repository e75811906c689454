import type { ActivationName } from '@convkit/core';
import type { Graph, GraphNode, StaticTensor } from './read-graph';

/** Conv nodes that apply the activation after them in one fused kernel, and the activation nodes so absorbed. */
export interface Fusions {
  /** Conv node index → the activation it applies. */
  activation: Map<number, ActivationName>;
  /** Absorbed activation node index → the Conv node whose output it now is. */
  absorbed: Map<number, number>;
  /** In eval mode only: Conv node index → the BatchNormalization folded into it, and the activation after that. */
  norm: Map<number, { node: number; activation?: ActivationName }>;
  /** In eval mode only: absorbed BatchNormalization / activation node index → the Conv node. */
  absorbedInEval: Map<number, number>;
}

function activationOf(node: GraphNode, constants: Map<string, StaticTensor>): ActivationName | undefined {
  if (node.opType === 'Relu') return 'relu';
  if (node.opType === 'Sigmoid') return 'sigmoid';
  if (node.opType === 'HardSwish') return 'hardswish';
  if (node.opType !== 'Clip') return undefined;
  const bound = (i: number, name: string) => (node.inputs[i] ? constants.get(node.inputs[i] as string)?.values[0] : node.attributes[name]);
  return bound(1, 'min') === 0 && bound(2, 'max') === 6 ? 'relu6' : undefined;
}

/**
 * Conv → activation pairs where the conv's output feeds nothing else: convkit's conv2d applies
 * the activation in the same kernel (and has its gradient), so the graph runs one op instead of two.
 */
export function planFusions(
  graph: Graph,
  constants: Map<string, StaticTensor>,
  hasWeights: (node: number, inputs: number[]) => boolean,
): Fusions {
  const consumers = new Map<string, GraphNode[]>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  // The one node that reads `node`'s output (as its first input), if nothing else does.
  const soleUser = (node: GraphNode): GraphNode | undefined => {
    const out = node.outputs[0];
    const users = out && !outputs.has(out) ? (consumers.get(out) ?? []) : [];
    return users.length === 1 && users[0]?.inputs[0] === out && !users[0].inputs.slice(1).includes(out) ? users[0] : undefined;
  };
  const fusions: Fusions = { activation: new Map(), absorbed: new Map(), norm: new Map(), absorbedInEval: new Map() };
  for (const conv of graph.nodes) {
    if (conv.opType !== 'Conv') continue;
    const next = soleUser(conv);
    const act = next && activationOf(next, constants);
    if (next && act) {
      fusions.activation.set(conv.index, act);
      fusions.absorbed.set(next.index, conv.index);
    } else if (
      next?.opType === 'BatchNormalization' &&
      next.outputs.length === 1 &&
      hasWeights(conv.index, [1]) &&
      hasWeights(next.index, [1, 2, 3, 4])
    ) {
      // Eval mode folds the statistics into the conv's weights (the conv then gains a bias).
      const after = soleUser(next);
      const activation = after && activationOf(after, constants);
      fusions.norm.set(conv.index, { node: next.index, activation });
      fusions.absorbedInEval.set(next.index, conv.index);
      if (after && activation) fusions.absorbedInEval.set(after.index, conv.index);
    }
  }
  return fusions;
}
