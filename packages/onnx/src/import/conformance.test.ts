import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { relativeDiff } from '@convkit/test-utils';
import { runOnnx } from '@convkit/test-utils/onnx';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../model-proto';
import { OnnxGraph } from '../onnx-graph';
import { IMPORT_MAX_OPSET, IMPORT_MIN_OPSET, importOnnx, SUPPORTED_ONNX_OPS, UnsupportedOnnxError } from '../index';
import {
  CONFORMANCE_DIR,
  atOpset,
  type CaseTensor,
  type ConformanceCase,
  conformanceCaseNames,
  opVersions,
  onnxPythonAvailable,
  readConformanceCase,
} from './conformance-cases';

// ONNX's own backend node tests (Debian's python3-onnx) through importOnnx and run(feeds): every
// case whose ops the importer supports either gives ONNX's outputs or is refused with a typed
// error naming the node, op and attribute; a wrong number or any other error fails the test.

const RTOL = 1e-3;
const ATOL = 1e-7;

type Outcome = { passed: true } | { passed: false; reason: string };

/** The op a case tests: its only op, or the one its name starts with (`test_hardswish_expanded` → HardSwish). */
function opOf(c: ConformanceCase): string {
  if (c.ops.length === 1) return c.ops[0];
  const key = c.name
    .replace(/^test_/, '')
    .replace(/ .*/, '')
    .replaceAll('_', '');
  const named = [...SUPPORTED_ONNX_OPS].sort((a, b) => b.length - a.length).find((op) => key.startsWith(op.toLowerCase()));
  return named ?? `${c.name.replace(/^test_/, '')} (${c.ops.join(', ')})`;
}

function toTensor(t: CaseTensor, what: string): tf.Tensor {
  if ('unreadable' in t) throw new Error(`${what}: ${t.unreadable}`);
  if (t.dtype === 'float32') return tf.tensor(t.values as Float32Array, t.dims, 'float32');
  if (t.dtype === 'bool') return tf.tensor(t.values as Uint8Array, t.dims, 'bool');
  const values = Array.from(t.values as ArrayLike<number | bigint>, Number);
  if (values.some((v) => Math.abs(v) >= 2 ** 31)) throw new Error(`${what}: int64 values beyond int32 cannot be fed to tfjs`);
  return tf.tensor(values, t.dims, 'int32');
}

/** The largest violation of |got − expected| ≤ atol + rtol·|expected| (0 when within), NaN where only one side is NaN. */
function excess(got: tf.Tensor, expected: tf.Tensor): number {
  const [g, e] = [got.dataSync(), expected.dataSync()];
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    const [a, b] = [Number(g[i]), Number(e[i])];
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) return Number.NaN;
      continue;
    }
    if (a === b) continue;
    worst = Math.max(worst, Math.abs(a - b) - (ATOL + RTOL * Math.abs(b)));
  }
  return worst;
}

/** Runs one case: `passed`, or the typed error's message; anything else throws. */
async function runCase(c: ConformanceCase): Promise<Outcome> {
  let model: Awaited<ReturnType<typeof importOnnx>>;
  try {
    model = await importOnnx(c.bytes, { inputLayout: 'nchw' });
  } catch (e) {
    if (e instanceof UnsupportedOnnxError) return { passed: false, reason: e.message };
    throw e;
  }
  // ONNX runs a graph for inference unless a node says otherwise (Dropout's training_mode input, BatchNormalization's attribute).
  model.eval();
  try {
    for (const [k, set] of c.dataSets.entries()) {
      const feeds = Object.fromEntries(model.inputNames.map((n, i) => [n, toTensor(set.inputs[i], `${c.name} input ${i}`)]));
      let outputs: Record<string, tf.Tensor>;
      try {
        outputs = model.run(feeds);
      } catch (e) {
        // OptionError only for the feeds themselves (run's input checks), not from an op deep inside.
        if (e instanceof UnsupportedOnnxError || (e instanceof OptionError && e.where.startsWith('OnnxModel')))
          return { passed: false, reason: e.message };
        throw e;
      } finally {
        tf.dispose(Object.values(feeds));
      }
      try {
        model.outputNames.forEach((name, i) => {
          const expected = toTensor(set.outputs[i], `${c.name} output ${i}`);
          const got = outputs[name];
          try {
            expect(got.shape, `${c.name} data set ${k} output '${name}' shape`).toEqual(expected.shape);
            expect(excess(got, expected), `${c.name} data set ${k} output '${name}' beyond rtol ${RTOL}`).toBeLessThanOrEqual(0);
          } finally {
            expected.dispose();
          }
        });
      } finally {
        tf.dispose(Object.values(outputs));
      }
    }
  } finally {
    model.dispose();
  }
  return { passed: true };
}

const results = new Map<string, Map<string, Outcome>>();
const outsideOpsets: string[] = [];

/** op → passed / total, and each refused case with its reason. */
function report(): string {
  const rows = [...results.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lines = ['| op | passed / total | not passed: typed error (or FAILED) |', '|---|---|---|'];
  for (const [op, cases] of rows) {
    const outcomes = [...cases.entries()];
    const passed = outcomes.filter(([, o]) => o.passed).length;
    const rejected = outcomes.flatMap(([name, o]) => (o.passed ? [] : [`${name}: ${o.reason.replaceAll('|', '\\|')}`]));
    lines.push(`| ${op} | ${passed} / ${outcomes.length} | ${rejected.join('<br>')} |`);
  }
  const untested = SUPPORTED_ONNX_OPS.filter((op) => !results.has(op));
  lines.push('', `Supported ops without a node case in opsets ${IMPORT_MIN_OPSET}–${IMPORT_MAX_OPSET}: ${untested.join(', ') || 'none'}.`);
  if (outsideOpsets.length)
    lines.push(`Cases of supported ops outside opsets ${IMPORT_MIN_OPSET}–${IMPORT_MAX_OPSET} (not run): ${outsideOpsets.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}

describe.runIf(onnxPythonAvailable())("ONNX's backend node tests", () => {
  const supported = new Set(SUPPORTED_ONNX_OPS);
  // vitest collects a skipped suite too: generate only where python3-onnx is there.
  const cases = (onnxPythonAvailable() ? conformanceCaseNames() : [])
    .map(readConformanceCase)
    .filter((c) => c.ops.length > 0 && c.ops.every((op) => supported.has(op)));
  // A case made below the opsets the importer reads runs at the lowest one when none of its ops changed in between.
  const versions = cases.length ? opVersions() : {};
  const unchangedTill = (c: ConformanceCase, opset: number) => c.ops.every((op) => !versions[op]?.some((v) => v > c.opset && v <= opset));
  const inRange = cases.flatMap((c) => {
    if (c.opset >= IMPORT_MIN_OPSET && c.opset <= IMPORT_MAX_OPSET) return [c];
    if (c.opset < IMPORT_MIN_OPSET && unchangedTill(c, IMPORT_MIN_OPSET))
      return [{ ...c, name: `${c.name} (opset ${c.opset} as ${IMPORT_MIN_OPSET})`, bytes: atOpset(c.bytes, IMPORT_MIN_OPSET) }];
    outsideOpsets.push(`${c.name} (opset ${c.opset})`);
    return [];
  });

  afterAll(() => {
    if (!results.size) return;
    const table = report();
    mkdirSync(CONFORMANCE_DIR, { recursive: true });
    writeFileSync(join(CONFORMANCE_DIR, 'report.md'), table);
    console.log(`ONNX conformance (${join(CONFORMANCE_DIR, 'report.md')}):\n${table}`);
  });

  it('finds cases for the supported ops', () => {
    expect(inRange.length).toBeGreaterThan(50);
  });

  it.each(inRange.map((c) => [c.name, c] as const))('%s: ONNX outputs or a typed error', async (_, c) => {
    const op = opOf(c);
    if (!results.has(op)) results.set(op, new Map());
    const before = tf.memory().numTensors;
    try {
      results.get(op)?.set(c.name, await runCase(c));
    } catch (e) {
      results.get(op)?.set(c.name, { passed: false, reason: `FAILED (wrong result or untyped error): ${(e as Error).message}` });
      throw e;
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

// Where ONNX's cases stop (ceil mode or count_include_pad with pads the core ops cannot take,
// dilated average pooling, ops on NHWC maps after a Conv): onnxruntime-node is the reference.
describe('conv and element-wise ops beyond the node tests, against onnxruntime-node', () => {
  const seeded = (dims: number[], seed: number) => tf.tidy(() => tf.randomNormal(dims, 0, 1, 'float32', seed).dataSync() as Float32Array);

  async function expectLikeOnnxRuntime(build: (g: OnnxGraph, x: string) => string, shape: number[]): Promise<void> {
    const g = new OnnxGraph(13);
    g.renameOutput(build(g, 'input'), 'output');
    const values = new Map([...g.initializers.values()].map((i) => [i.name, i.values as Float32Array | number[]]));
    const input = { name: 'input', dims: shape };
    const bytes = encodeModel(g, values, {
      name: 'case',
      input,
      output: { name: 'output', dims: ['n', 'c', 'h', 'w'] },
      producerVersion: '0',
    });
    const m = await importOnnx(bytes, { inputLayout: 'nchw' });
    m.eval();
    const x = tf.randomNormal(shape, 0, 1, 'float32', 7);
    const before = tf.memory().numTensors;
    const ours = m.run({ input: x }).output as tf.Tensor;
    expect(tf.memory().numTensors).toBe(before + 1);
    const theirs = await runOnnx(bytes, x);
    expect(ours.shape).toEqual(theirs.shape);
    expect(relativeDiff(ours, theirs)).toBeLessThan(1e-5);
    tf.dispose([x, ours, theirs]);
    m.dispose();
  }

  it.each([
    [
      'MaxPool ceil mode, pads over half the window, dilation',
      'MaxPool',
      { kernel_shape: [3, 2], pads: [2, 1, 0, 1], strides: [2, 2], dilations: [1, 2], ceil_mode: 1 },
    ],
    [
      'AveragePool ceil mode, asymmetric pads, count_include_pad',
      'AveragePool',
      { kernel_shape: [3, 3], pads: [0, 2, 1, 1], strides: [2, 2], ceil_mode: 1, count_include_pad: 1 },
    ],
    [
      'AveragePool ceil mode, asymmetric pads, pads excluded',
      'AveragePool',
      { kernel_shape: [3, 3], pads: [0, 2, 1, 1], strides: [2, 2], ceil_mode: 1 },
    ],
    ['AveragePool SAME_LOWER, stride 2', 'AveragePool', { kernel_shape: [2, 3], auto_pad: 'SAME_LOWER', strides: [2, 2] }],
  ])('%s', async (_, op, attributes) => {
    await expectLikeOnnxRuntime((g, x) => g.add(op, [x], attributes), [2, 3, 7, 8]);
  });

  it.each([
    ['stride 2, kernel 4, pads 1 (upsampling)', { strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['output_padding, dilation, asymmetric pads', { strides: [2, 3], dilations: [2, 1], output_padding: [1, 2], pads: [0, 2, 1, 0] }],
    ['output_shape with SAME_LOWER', { strides: [2, 2], output_shape: [13, 11], auto_pad: 'SAME_LOWER' }],
  ])('ConvTranspose: %s', async (_, attributes) => {
    await expectLikeOnnxRuntime(
      (g, x) =>
        g.add('ConvTranspose', [x, g.initializer('w', seeded([3, 2, 4, 4], 4), [3, 2, 4, 4]), g.constant('b', [0.5, -1], [2])], attributes),
      [2, 3, 6, 5],
    );
  });

  it('PRelu, Max, Mean, LeakyRelu and Clip on an NHWC map after a Conv, broadcast against [C,1,1] and [W]', async () => {
    await expectLikeOnnxRuntime(
      (g, x) => {
        const c = g.add('Conv', [x, g.initializer('w', seeded([4, 3, 3, 3], 1), [4, 3, 3, 3])], { pads: [1, 1, 1, 1] });
        const p = g.add('PRelu', [c, g.constant('slope', [0.1, 0.2, 0.3, 0.4], [4, 1, 1])]);
        const m = g.add('Max', [p, g.constant('floor', seeded([5], 2), [5]), g.add('LeakyRelu', [c], { alpha: { float: 0.3 } })]);
        const mean = g.add('Mean', [m, g.constant('shift', seeded([4], 3), [4, 1, 1])]);
        return g.add('Clip', [g.add('Tanh', [mean]), g.constant('lo', [-0.5]), g.constant('hi', [0.6])]);
      },
      [2, 3, 6, 5],
    );
  });

  it('gradients flow through the sliced pooling, ConvTranspose and the new activations (directional derivative)', async () => {
    const g = new OnnxGraph(13);
    const c = g.add('Conv', ['input', g.initializer('conv.weight', seeded([3, 3, 3, 3], 5), [3, 3, 3, 3])], { pads: [1, 1, 1, 1] }, 'conv');
    const p = g.add('MaxPool', [c], { kernel_shape: [3, 2], pads: [2, 1, 0, 1], strides: [2, 2], dilations: [1, 2], ceil_mode: 1 });
    const a = g.add('AveragePool', [p], { kernel_shape: [2, 2], pads: [0, 1, 1, 0], strides: [2, 1] });
    const t = g.add('ConvTranspose', [a, g.constant('w', seeded([3, 2, 3, 3], 6), [3, 2, 3, 3])], { strides: [2, 2], dilations: [2, 1] });
    const act = g.add('Mean', [
      g.add('PRelu', [t, g.constant('s', [0.2], [1])]),
      g.add('Selu', [t]),
      g.add('Elu', [t], { alpha: { float: 0.5 } }),
    ]);
    g.renameOutput(g.add('Softplus', [act]), 'output');
    const values = new Map([...g.initializers.values()].map((i) => [i.name, i.values as Float32Array | number[]]));
    const input = { name: 'input', dims: [1, 3, 8, 8] };
    const m = await importOnnx(
      encodeModel(g, values, { name: 'grad', input, output: { name: 'output', dims: ['n', 'c', 'h', 'w'] }, producerVersion: '0' }),
      { inputLayout: 'nchw' },
    );
    const [weight] = m.parameters() as tf.Variable[];
    const x = tf.randomNormal([1, 3, 8, 8], 0, 1, 'float32', 8);
    const direction = tf.randomNormal(weight.shape, 0, 1, 'float32', 9);
    const loss = () => tf.sum(m.forward(x)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(loss);
    const analytic = tf.sum(tf.mul(grads[weight.name] as tf.Tensor, direction)).dataSync()[0];
    const original = weight.clone();
    const at = (eps: number) => {
      weight.assign(tf.tidy(() => tf.add(original, tf.mul(direction, eps))));
      return tf.tidy(() => loss().dataSync()[0]);
    };
    const numeric = (at(1e-3) - at(-1e-3)) / 2e-3;
    weight.assign(original);
    expect(Math.abs(analytic - numeric)).toBeLessThan(2e-2 * Math.max(1, Math.abs(analytic)));
    tf.dispose([x, direction, value, original, ...Object.values(grads)]);
    m.dispose();
  });
});
