import { closestName, OptionError } from '@convkit/core';
import type { Graph, GraphNode } from './read-graph';

/**
 * The part of the graph that computes `outputs` (value names, or node names for their first
 * output): a feature extractor to put a new head on. Nodes not needed are dropped, and with them
 * their parameters.
 */
export function cutGraph(graph: Graph, outputs: string[]): Graph {
  const produced = new Set([...graph.inputs.map((i) => i.name), ...graph.initializers.keys(), ...graph.nodes.flatMap((n) => n.outputs)]);
  const byNodeName = new Map(graph.nodes.map((n) => [n.name, n]));
  const targets = outputs.map((name) => {
    if (produced.has(name)) return name;
    const node = byNodeName.get(name);
    if (node?.outputs[0]) return node.outputs[0];
    const known = [...produced, ...byNodeName.keys()];
    throw new OptionError('importOnnx: outputs', `'${name}' is neither a value nor a node of the graph${hint(name, known)}`);
  });
  // Nodes come in topological order: walking back from the end finds every producer needed.
  const needed = new Set(targets);
  const keep: GraphNode[] = [];
  for (const node of [...graph.nodes].reverse()) {
    if (!node.outputs.some((o) => needed.has(o))) continue;
    keep.push(node);
    for (const i of node.inputs) needed.add(i);
  }
  return {
    ...graph,
    nodes: keep.reverse().map((n, index) => ({ ...n, index })),
    inputs: graph.inputs.filter((i) => needed.has(i.name)),
    outputs: targets.map((name) => ({ name, dims: [] })),
  };
}

function hint(name: string, known: string[]): string {
  const close = closestName(name, known);
  return close ? ` (did you mean '${close}'?)` : '';
}
