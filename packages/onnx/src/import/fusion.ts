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

/** An activation that follows a node: its name and the nodes that compute it (absorbed into the conv). */
interface Follower {
  activation: ActivationName;
  nodes: GraphNode[];
}

/**
 * Conv → activation pairs where the conv's output feeds nothing else: convkit's conv2d applies
 * the activation in the same kernel (and has its gradient), so the graph runs one op instead of
 * two. The activation may be one node (Relu, Clip 0..6, Sigmoid, HardSwish) or the gated form
 * exporters write for SiLU and HardSwish: `Mul(x, Sigmoid(x))`, `Mul(x, HardSigmoid(x))`.
 */
export function planFusions(
  graph: Graph,
  constants: Map<string, StaticTensor>,
  hasWeights: (node: number, inputs: number[]) => boolean,
): Fusions {
  const consumers = new Map<string, GraphNode[]>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const usersOf = (node: GraphNode): GraphNode[] => {
    const out = node.outputs[0];
    return out && !outputs.has(out) && node.outputs.slice(1).every((o) => !o) ? (consumers.get(out) ?? []) : [];
  };
  // The one node that reads `node`'s output (as its first input), if nothing else does.
  const soleUser = (node: GraphNode): GraphNode | undefined => {
    const users = usersOf(node);
    const out = node.outputs[0];
    return users.length === 1 && users[0]?.inputs[0] === out && !users[0].inputs.slice(1).includes(out) ? users[0] : undefined;
  };
  const follower = (node: GraphNode): Follower | undefined => {
    const next = soleUser(node);
    const single = next && activationOf(next, constants);
    if (next && single) return { activation: single, nodes: [next] };
    // x · gate(x): the gate reads x, the Mul reads x and the gate, nothing else reads either.
    const users = usersOf(node);
    if (users.length !== 2) return undefined;
    const gate = users.find((u) => u.opType === 'Sigmoid' || u.opType === 'HardSigmoid');
    const mul = users.find((u) => u.opType === 'Mul');
    const gateUsers = gate ? usersOf(gate) : [];
    if (!gate || !mul || gateUsers.length !== 1 || gateUsers[0] !== mul || !mul.inputs.includes(node.outputs[0] as string))
      return undefined;
    const activation = gate.opType === 'Sigmoid' ? 'silu' : isHardSwishGate(gate) ? 'hardswish' : undefined;
    return activation && { activation, nodes: [gate, mul] };
  };
  const fusions: Fusions = { activation: new Map(), absorbed: new Map(), norm: new Map(), absorbedInEval: new Map() };
  for (const conv of graph.nodes) {
    if (conv.opType !== 'Conv') continue;
    const next = soleUser(conv);
    const act = follower(conv);
    if (act) {
      fusions.activation.set(conv.index, act.activation);
      for (const n of act.nodes) fusions.absorbed.set(n.index, conv.index);
    } else if (
      next?.opType === 'BatchNormalization' &&
      next.outputs.length === 1 &&
      hasWeights(conv.index, [1]) &&
      hasWeights(next.index, [1, 2, 3, 4])
    ) {
      // Eval mode folds the statistics into the conv's weights (the conv then gains a bias).
      const after = follower(next);
      fusions.norm.set(conv.index, { node: next.index, activation: after?.activation });
      fusions.absorbedInEval.set(next.index, conv.index);
      for (const n of after?.nodes ?? []) fusions.absorbedInEval.set(n.index, conv.index);
    }
  }
  return fusions;
}

/** HardSigmoid with torch's hardswish constants (α = 1/6, β = 0.5): x · gate(x) is HardSwish. */
function isHardSwishGate(node: GraphNode): boolean {
  const alpha = (node.attributes.alpha as number | undefined) ?? 0.2;
  const beta = (node.attributes.beta as number | undefined) ?? 0.5;
  return Math.abs(alpha - 1 / 6) < 1e-6 && beta === 0.5;
}
