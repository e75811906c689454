import { OnnxFormatError } from '../errors';

interface NodeIo {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
}

/** How a node is named in messages: its name, or its position when it has none. */
export const nodeLabel = (n: { name: string; opType: string }, index: number): string =>
  n.name ? `node '${n.name}' (${n.opType})` : `node #${index} (${n.opType})`;

/**
 * Checks that the nodes form a graph a runtime can execute and returns them in an order where every
 * value is defined before it is used: each value defined once (by a graph input, an initializer or
 * one node output), every input and graph output defined somewhere, and no cycle. Nodes already in
 * order (every exporter writes them so) keep it; others are sorted, as onnxruntime does. Linear time.
 */
export function executionOrder<N extends NodeIo>(file: string, nodes: N[], given: Iterable<string>, graphOutputs: string[]): N[] {
  const fail = (subject: string, message: string): never => {
    throw new OnnxFormatError(file, subject, message);
  };
  const defined = new Set(given);
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const out of n.outputs) {
      if (!out) continue;
      const earlier = producer.get(out);
      if (defined.has(out) || earlier !== undefined) {
        fail(
          nodeLabel(n, i),
          `output '${out}' is already defined by ${earlier === undefined ? 'a graph input or initializer' : nodeLabel(nodes[earlier], earlier)}`,
        );
      }
      producer.set(out, i);
    }
  });
  let inOrder = true;
  nodes.forEach((n, i) => {
    for (const input of n.inputs) {
      if (!input) continue; // an omitted optional input
      const p = producer.get(input);
      if (p === undefined && !defined.has(input))
        fail(nodeLabel(n, i), `input '${input}' is not defined by any node, initializer or graph input`);
      if (p !== undefined && p >= i) inOrder = false;
    }
  });
  for (const out of graphOutputs) {
    if (!producer.has(out) && !defined.has(out)) fail(`graph output '${out}'`, 'is not produced by any node, initializer or graph input');
  }
  if (inOrder) return nodes;

  // Kahn's algorithm over the edges producer → consumer (one per input use).
  const waiting = new Int32Array(nodes.length);
  const consumers: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    for (const input of n.inputs) {
      const p = input ? producer.get(input) : undefined;
      if (p === undefined) continue;
      waiting[i]++;
      consumers[p].push(i);
    }
  });
  const order: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (waiting[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++) {
    for (const c of consumers[order[k]]) if (--waiting[c] === 0) order.push(c);
  }
  if (order.length < nodes.length) fail(...describeCycle(nodes, producer, waiting));
  return order.map((i) => nodes[i]);
}

/** Walks back from a node that never became ready, through unready producers, until a node repeats. */
function describeCycle(nodes: NodeIo[], producer: Map<string, number>, waiting: Int32Array): [string, string] {
  let at = waiting.findIndex((w) => w > 0);
  const seen = new Map<number, number>();
  const path: number[] = [];
  while (!seen.has(at)) {
    seen.set(at, path.length);
    path.push(at);
    const input = nodes[at].inputs.find((v) => {
      const p = v ? producer.get(v) : undefined;
      return p !== undefined && waiting[p] > 0;
    });
    at = producer.get(input as string) as number;
  }
  const cycle = path.slice(seen.get(at));
  // Printed in the direction values flow: producer → consumer.
  const names = [...cycle, at].reverse().map((i) => nodeLabel(nodes[i], i));
  return [names[0], `is part of a cycle: ${names.join(' → ')}`];
}
