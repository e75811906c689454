import { inspectOnnx, type OnnxValueInfo } from '@convkit/onnx';
import { bytes, count, table } from '../format';

/** `input float32 [batch, 3, 224, 224]`. */
export const describeValue = (v: OnnxValueInfo): string =>
  `${v.name} ${v.dtype} ${v.shape ? `[${v.shape.map((d) => d ?? '?').join(', ')}]` : '(rank unknown)'}`;

/** `convkit inspect model.onnx`: what the graph is, read with the same checks as an import (nothing outside the file is opened). */
export function printOnnxInspection(file: string, name: string, data: Uint8Array, opts: { keys: number }): void {
  const info = inspectOnnx(data, { name });
  const opsets = info.opsetImports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ');
  const producer = [info.producer.name, info.producer.version].filter(Boolean).join(' ') || 'unknown';
  console.log(`${file}\n  format: onnx (IR ${info.irVersion}, opset ${opsets}, producer ${producer})`);
  for (const [label, values] of [
    ['inputs', info.inputs],
    ['outputs', info.outputs],
  ] as const) {
    console.log(`  ${label}: ${values.map(describeValue).join('; ') || 'none'}`);
  }
  console.log(`  nodes: ${count(info.nodeCount)} (${count(info.ops.length)} op types)`);
  console.log(
    `  parameters: ${count(info.parameterCount)} in ${count(info.initializerCount)} initializers (${bytes(info.initializerBytes)})`,
  );
  if (info.customOps.length) {
    console.log(`  custom ops (cannot be imported): ${info.customOps.map((c) => `${c.domain}.${c.opType} in '${c.node}'`).join(', ')}`);
  }
  const rows = info.ops.slice(0, opts.keys).map(([op, n]) => [op, count(n)]);
  console.log(`\n${table(['op', 'nodes'], rows, [1])}`);
  if (info.ops.length > opts.keys) console.log(`… and ${info.ops.length - opts.keys} more op types (--keys N)`);
}
