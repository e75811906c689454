// Test-only (not exported): ONNX's backend node tests, made by scripts/fixtures/onnx-conformance.py
// with Debian's python3-onnx at test time, cached under .cache/onnx-conformance.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs/light.js';
import schema from '../onnx-schema.json';
import { dataTypeName, decodeTensor, type OnnxTensor, toSafeInt } from './decode-tensor';

const ROOT = new URL('../../../..', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';
export const CONFORMANCE_DIR = join(ROOT, '.cache', 'onnx-conformance');
const CASES = join(CONFORMANCE_DIR, 'node');

let available: boolean | undefined;

/** Whether `/usr/bin/python3` has onnx (CI installs python3-onnx; it must be there). */
export function onnxPythonAvailable(): boolean {
  if (available === undefined) {
    available = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
    if (!available && process.env.CI) throw new Error('CI needs /usr/bin/python3 with onnx (python3-onnx)');
  }
  return available;
}

/** The node cases' names, generating them first when they are not cached yet. */
export function conformanceCaseNames(): string[] {
  if (!existsSync(join(CASES, '.complete')))
    execFileSync(PYTHON, [join(ROOT, 'scripts/fixtures/onnx-conformance.py'), '--out', CONFORMANCE_DIR], { stdio: 'ignore' });
  return readdirSync(CASES)
    .filter((n) => n.startsWith('test_'))
    .sort();
}

/** Op → the opsets in which its definition changed (ONNX's schema history). */
export function opVersions(): Record<string, number[]> {
  return JSON.parse(readFileSync(join(CASES, 'op-versions.json'), 'utf8'));
}

/** The model with its default-domain opset set to `opset` (for ops whose definition is the same there). */
export function atOpset(bytes: Uint8Array, opset: number): Uint8Array {
  const model: Proto = proto('ModelProto').decode(bytes);
  for (const o of model.opsetImport as Proto[]) if (!o.domain || o.domain === 'ai.onnx') o.version = opset;
  return proto('ModelProto').encode(model).finish();
}

/** A tensor of a `.pb` file, or why convkit's decoder cannot read it (uint32, string, a sequence…). */
export type CaseTensor = OnnxTensor | { unreadable: string };

export interface ConformanceCase {
  name: string;
  bytes: Uint8Array;
  opset: number;
  /** The op types of the graph's nodes, each once. */
  ops: string[];
  /** The graph inputs' element types ('float32', 'uint8', 'non-tensor' for a sequence or optional). */
  inputTypes: string[];
  dataSets: { inputs: CaseTensor[]; outputs: CaseTensor[] }[];
}

let root: protobuf.Root | undefined;
const proto = (type: string) => (root ??= protobuf.Root.fromJSON(schema as protobuf.INamespace)).lookupType(`onnx.${type}`);

function readTensor(file: string): CaseTensor {
  const bytes = new Uint8Array(readFileSync(file));
  try {
    return decodeTensor(proto('TensorProto').decode(bytes), file, { file, fileBytes: bytes.byteLength, externalData: {} });
  } catch (e) {
    return { unreadable: (e as Error).message };
  }
}

// protobufjs messages are untyped.
type Proto = any;

/** One case: its model with its opset, ops and input types (read from the message as it is, even where importOnnx refuses it) and its data sets. */
export function readConformanceCase(name: string): ConformanceCase {
  const dir = join(CASES, name);
  const bytes = new Uint8Array(readFileSync(join(dir, 'model.onnx')));
  const model: Proto = proto('ModelProto').decode(bytes);
  const own = (model.opsetImport as Proto[]).find((o) => !o.domain || o.domain === 'ai.onnx');
  const count = (files: string[], prefix: string) => files.filter((f) => f.startsWith(prefix)).length;
  const dataSets = readdirSync(dir)
    .filter((d) => d.startsWith('test_data_set_'))
    .sort()
    .map((d) => {
      const files = readdirSync(join(dir, d));
      const read = (prefix: string) =>
        Array.from({ length: count(files, prefix) }, (_, i) => readTensor(join(dir, d, `${prefix}_${i}.pb`)));
      return { inputs: read('input'), outputs: read('output') };
    });
  return {
    name,
    bytes,
    opset: toSafeInt(own?.version),
    ops: [...new Set((model.graph.node as Proto[]).map((n) => n.opType as string))].sort(),
    inputTypes: (model.graph.input as Proto[]).map((i) => (i.type?.tensorType ? dataTypeName(i.type.tensorType.elemType) : 'non-tensor')),
    dataSets,
  };
}
