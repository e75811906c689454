import * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module';
import { setTracing } from './tracing';

export interface SummaryRow {
  path: string;
  type: string;
  depth: number;
  /** Output shape without the batch axis, NHWC (e.g. `[112,112,64]`). */
  outputShape: number[] | null;
  /** Parameters of this module and everything below it. */
  params: number;
  trainable: boolean;
}

export interface ModelSummary {
  rows: SummaryRow[];
  inputShape: number[];
  outputShape: number[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** Parameters and buffers, float32, in MB (10^6 bytes, as torchinfo counts). */
  sizeMB: number;
  toString(): string;
}

const format = (n: number): string => n.toLocaleString('en-US');
const dims = (shape: number[] | null): string => (shape ? shape.join('×') : '—');

/**
 * Runs one forward pass on zeros in evaluation mode, recording each module's output shape.
 * Leaves are listed, and containers down to `depth` (default: leaves only).
 */
export function summarize(root: Module, inputShape: number[], { depth = Infinity }: { depth?: number } = {}): ModelSummary {
  const modules = root.namedModules();
  const shapes = new Map<Module, number[]>();
  const modes = modules.map(([, m]) => [m, m.training] as const);
  const patched: Module[] = [];
  for (const [, m] of modules) {
    const original = m.forward;
    m.forward = (...args: Parameters<Module['forward']>) => {
      const y = original.apply(m, args);
      if (!shapes.has(m)) shapes.set(m, y.shape.slice(1));
      return y;
    };
    patched.push(m);
  }
  let outputShape: number[];
  try {
    root.eval();
    setTracing(true);
    outputShape = tf.tidy(() => root.forward(tf.zeros(inputShape)).shape);
  } finally {
    setTracing(false);
    for (const m of patched) delete (m as { forward?: unknown }).forward;
    for (const [m, mode] of modes) m.training = mode;
  }
  const rows: SummaryRow[] = [];
  for (const [path, m] of modules) {
    if (path === '') continue;
    const level = path.split('.').length - 1;
    const isLeaf = m.children().length === 0;
    if (!isLeaf && level >= depth) continue;
    if (isLeaf && level > depth) continue;
    const params = m.namedParameters();
    rows.push({
      path,
      type: m.typeName,
      depth: level,
      outputShape: shapes.get(m) ?? null,
      params: params.reduce((n, [, v]) => n + v.size, 0),
      trainable: params.length === 0 ? !m.frozen : params.some(([, v]) => v.trainable),
    });
  }
  const all = root.namedParameters();
  const totalParams = all.reduce((n, [, v]) => n + v.size, 0);
  const trainableParams = all.reduce((n, [, v]) => n + (v.trainable ? v.size : 0), 0);
  const bufferValues = root.namedBuffers().reduce((n, [, v]) => n + v.size, 0);
  const summary: ModelSummary = {
    rows,
    inputShape,
    outputShape: outputShape.slice(1),
    totalParams,
    trainableParams,
    nonTrainableParams: totalParams - trainableParams,
    sizeMB: ((totalParams + bufferValues) * 4) / 1e6,
    toString: () => renderTable(root, summary),
  };
  return summary;
}

function renderTable(root: Module, s: ModelSummary): string {
  const header = ['Layer (path)', 'Type', 'Output shape', 'Param #', 'Trainable'];
  const body = s.rows.map((r) => [
    `${'  '.repeat(r.depth)}${r.path}`,
    r.type,
    dims(r.outputShape),
    format(r.params),
    r.params === 0 ? '' : r.trainable ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    `${root.typeName} — input ${dims(s.inputShape.slice(1))} (batch ${s.inputShape[0]}), NHWC`,
    rule,
    line(header),
    rule,
    ...body.map(line),
    rule,
    `Output shape: ${dims(s.outputShape)}`,
    `Total params: ${format(s.totalParams)}`,
    `Trainable params: ${format(s.trainableParams)}`,
    `Non-trainable params: ${format(s.nonTrainableParams)}`,
    `Params + buffers size: ${s.sizeMB.toFixed(2)} MB`,
  ].join('\n');
}
