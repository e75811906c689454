import { type DecodeOnnxOptions, decodeOnnxModel, type OnnxAttribute, type OnnxValueInfo } from './decode';
import type { OnnxTensor } from './decode-tensor';
import { UnsupportedOnnxError } from '../errors';

// The importer's view of a file `decodeOnnxModel` has checked: float32 weights, and integer tensors as
// int32 numbers (they only feed shape arithmetic).

/** A tensor's values: float32 data, or int64/int32/bool data as numbers (shape arithmetic). */
export interface StaticTensor {
  dims: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

export type Attribute = number | number[] | string | StaticTensor;

export interface GraphNode {
  index: number;
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, Attribute>;
}

export interface GraphIo {
  name: string;
  /** A string is a symbolic dimension, -1 an unknown one. */
  dims: (number | string)[];
}

export interface Graph {
  opset: number;
  nodes: GraphNode[];
  initializers: Map<string, StaticTensor>;
  inputs: GraphIo[];
  outputs: GraphIo[];
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function staticTensor(t: OnnxTensor): StaticTensor {
  if (t.dtype === 'float32') return { dims: t.dims, dtype: 'float32', values: t.values as Float32Array };
  // int64 feeds dims, pads and axes: clamp to int32 so that INT64_MAX ("to the end") stays the largest value.
  const values =
    t.values instanceof BigInt64Array
      ? Int32Array.from(t.values, (v) => Number(v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v))
      : Int32Array.from(t.values as ArrayLike<number>);
  return { dims: t.dims, dtype: 'int32', values };
}

function attribute(a: OnnxAttribute): Attribute {
  if (typeof a === 'number' || typeof a === 'string') return a;
  if (Array.isArray(a)) return a.map(Number);
  if ('unsupported' in a) return `<attribute ${a.unsupported}>`;
  return staticTensor(a);
}

const io = (v: OnnxValueInfo): GraphIo => ({ name: v.name, dims: (v.shape ?? []).map((d) => d ?? -1) });

/** Decodes and checks an ONNX file (`decodeOnnxModel`: hostile files are refused there) into the graph the importer runs. */
export function readGraph(bytes: Uint8Array, options: DecodeOnnxOptions = {}): Graph {
  const model = decodeOnnxModel(bytes, options);
  const initializers = new Map<string, StaticTensor>();
  for (const [name, t] of model.initializers) initializers.set(name, staticTensor(t));
  const nodes: GraphNode[] = model.nodes.map((n, index) => ({
    index,
    name: n.name || `${n.opType}_${index}`,
    opType: n.opType,
    domain: n.domain,
    inputs: n.inputs,
    outputs: n.outputs,
    attributes: Object.fromEntries(Object.entries(n.attributes).map(([k, v]) => [k, attribute(v)])),
  }));
  const inputs = model.inputs.filter((v) => !initializers.has(v.name));
  for (const v of inputs) checkInputType(v, nodes);
  return { opset: model.opset, nodes, initializers, inputs: inputs.map(io), outputs: model.outputs.map(io) };
}

// The graph runs in float32 and int32: other input types (uint8 wrap-around, float16 or double
// rounding, strings, sequences) would give other numbers than the file promises.
const INPUT_TYPES = ['float32', 'int32', 'int64', 'bool', 'unknown'];

function checkInputType(v: OnnxValueInfo, nodes: GraphNode[]): void {
  if (INPUT_TYPES.includes(v.dtype)) return;
  const user = nodes.find((n) => n.inputs.includes(v.name));
  throw new UnsupportedOnnxError(
    user?.name ?? v.name,
    user?.opType ?? 'graph input',
    `graph input '${v.name}' is ${v.dtype}: only float32, int32, int64 and bool inputs are supported`,
  );
}
