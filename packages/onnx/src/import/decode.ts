import protobuf from 'protobufjs/light.js';
import { OnnxFormatError, UnsupportedOnnxError } from '../errors';
import schema from '../onnx-schema.json';
import { checkDecodeBudget } from './decode-budget';
import { checkedDims, type DecodeContext, dataTypeName, decodeTensor, type OnnxTensor, toSafeInt } from './decode-tensor';
import { executionOrder, nodeLabel } from './graph-order';

/** The opsets of ONNX's default domain convkit reads (opset 7 is the first with today's broadcasting). */
export const DECODE_MIN_OPSET = 7;
export const DECODE_MAX_OPSET = 21;
/** Protobuf cannot encode a message of 2 GiB or more: larger models keep their weights in external data. */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;

export interface DecodeOnnxOptions {
  /**
   * The files of external data, by the `location` string the model names (`'model.onnx.data'`).
   * The decoder never opens a path: a tensor whose location is not a key here is refused.
   */
  externalData?: Readonly<Record<string, Uint8Array>>;
  /** Refuse files larger than this (default and maximum MAX_ONNX_BYTES). */
  maxBytes?: number;
  /** The file's name in error messages (default 'model.onnx'). */
  name?: string;
  /** Nodes outside ONNX's own domain: refused with UnsupportedOnnxError (default), or only listed in `customOps`. */
  customOps?: 'refuse' | 'report';
}

export interface OnnxValueInfo {
  name: string;
  /** Element type ('float32', 'int64'…), or 'unknown' / 'non-tensor' (sequence, map). */
  dtype: string;
  /** Dimensions: a number, a symbolic name ('batch'), or null when unknown; null when the rank is unknown. */
  shape: (number | string | null)[] | null;
}

/** Graph-valued and other rare attribute kinds are kept as a marker for the importer to refuse. */
export type OnnxAttribute = number | string | number[] | string[] | OnnxTensor | { unsupported: string };

export interface OnnxNode {
  /** As in the file (may be ''; messages then use its position). */
  name: string;
  opType: string;
  /** '' for ONNX's own ops ('ai.onnx' is normalised to ''). */
  domain: string;
  /** '' marks an omitted optional input or output. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

/** A checked, plain view of an ONNX ModelProto. */
export interface OnnxModelInfo {
  irVersion: number;
  producer: { name: string; version: string };
  /** The version of ONNX's default domain. */
  opset: number;
  opsetImports: { domain: string; version: number }[];
  graphName: string;
  /** The graph's inputs that are not initializers (old exporters list initializers as inputs too). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** In execution order (every value defined before its use). */
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  /** Nodes outside ONNX's own domain (only non-empty with `customOps: 'report'`). */
  customOps: { node: string; opType: string; domain: string }[];
}

// protobufjs messages are untyped.
type Proto = any;

let root: protobuf.Root | null = null;
// Resolved up front: the budget walk reads each field's resolvedType.
const modelType = () =>
  (root ??= protobuf.Root.fromJSON(schema as protobuf.INamespace).resolveAll() as protobuf.Root).lookupType('onnx.ModelProto');

const ATTRIBUTE_KINDS: Record<number, string> = {
  5: 'graph',
  9: 'tensors',
  10: 'graphs',
  11: 'sparse tensor',
  12: 'sparse tensors',
  13: 'type',
  14: 'types',
};
// An unset bytes field reads as protobufjs's default (not always a Uint8Array).
const text = (bytes: unknown) => (bytes instanceof Uint8Array ? new TextDecoder().decode(bytes) : '');
const isOnnxDomain = (domain: string) => domain === '' || domain === 'ai.onnx';
// Attribute ints are read as doubles: Slice's 2^63 − 1 ("to the end") stays a huge number, not exact.
const looseInt = (v: Proto) => (typeof v === 'number' ? v : (v.high | 0) * 2 ** 32 + (v.low >>> 0));

function readAttribute(a: Proto, what: string, ctx: DecodeContext): OnnxAttribute {
  switch (a.type) {
    case 1:
      return a.f;
    case 2:
      return looseInt(a.i);
    case 3:
      return text(a.s);
    case 4:
      if (!a.t) throw new OnnxFormatError(ctx.file, what, 'a tensor attribute without its tensor');
      return decodeTensor(a.t, what, ctx);
    case 6:
      return Array.from(a.floats as number[]);
    case 7:
      return (a.ints as Proto[]).map(looseInt);
    case 8:
      return (a.strings as unknown[]).map(text);
    default:
      if (ATTRIBUTE_KINDS[a.type]) return { unsupported: ATTRIBUTE_KINDS[a.type] };
      throw new OnnxFormatError(ctx.file, what, `unknown attribute type ${a.type}`);
  }
}

function readNode(n: Proto, index: number, ctx: DecodeContext): OnnxNode {
  const domain = n.domain === 'ai.onnx' ? '' : n.domain;
  const node: OnnxNode = { name: n.name, opType: n.opType, domain, inputs: n.input, outputs: n.output, attributes: {} };
  const label = nodeLabel(node, index);
  if (!node.opType) throw new OnnxFormatError(ctx.file, label, 'a node without an op type');
  for (const a of n.attribute as Proto[]) {
    const what = `${label} attribute '${a.name}'`;
    if (!a.name || Object.hasOwn(node.attributes, a.name))
      throw new OnnxFormatError(ctx.file, what, 'an attribute without a name, or named twice');
    node.attributes[a.name] = readAttribute(a, what, ctx);
  }
  return node;
}

function readValueInfo(v: Proto, what: string, file: string): OnnxValueInfo {
  const type = v.type?.value;
  if (type !== 'tensorType') return { name: v.name, dtype: type ? 'non-tensor' : 'unknown', shape: null };
  const tensor = v.type.tensorType;
  const dtype = tensor.elemType ? dataTypeName(tensor.elemType) : 'unknown';
  if (!tensor.shape) return { name: v.name, dtype, shape: null };
  const shape = (tensor.shape.dim as Proto[]).map((d) =>
    d.value === 'dimValue' ? d.dimValue : d.value === 'dimParam' ? d.dimParam : null,
  );
  const fixed = shape.filter((d) => d !== null && typeof d !== 'string');
  // Symbolic and unknown dimensions aside, the shape must be one a tensor could have.
  const { dims } = checkedDims(fixed, (message) => {
    throw new OnnxFormatError(file, what, message);
  });
  let k = 0;
  return { name: v.name, dtype, shape: shape.map((d) => (d === null || typeof d === 'string' ? d : dims[k++])) };
}

function readOpsets(model: Proto, file: string): { opset: number; opsetImports: OnnxModelInfo['opsetImports'] } {
  const opsetImports = (model.opsetImport as Proto[]).map((o) => ({
    domain: o.domain === 'ai.onnx' ? '' : o.domain,
    version: toSafeInt(o.version),
  }));
  const own = opsetImports.filter((o) => o.domain === '');
  if (own.length !== 1) throw new OnnxFormatError(file, 'opset_import', `expected one opset of ONNX's default domain, found ${own.length}`);
  const opset = own[0].version;
  if (!(opset >= DECODE_MIN_OPSET && opset <= DECODE_MAX_OPSET)) {
    throw new OnnxFormatError(
      file,
      'opset_import',
      `opset ${opset} is outside the supported range ${DECODE_MIN_OPSET}–${DECODE_MAX_OPSET}`,
    );
  }
  return { opset, opsetImports };
}

/**
 * Decodes and checks an ONNX file: protobuf structure, opsets, every tensor's dims against its
 * data, the graph's wiring (defined once, used after definition, acyclic). Every problem is a
 * typed error (OnnxFormatError, UnsupportedOnnxError) naming the node or tensor. Memory and time
 * stay linear in the input; the decoder never reads a file: external data comes only from
 * `options.externalData`.
 */
export function decodeOnnxModel(input: Uint8Array | ArrayBuffer, options: DecodeOnnxOptions = {}): OnnxModelInfo {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const file = options.name ?? 'model.onnx';
  const maxBytes = Math.min(options.maxBytes ?? MAX_ONNX_BYTES, MAX_ONNX_BYTES);
  if (bytes.byteLength > maxBytes) throw new OnnxFormatError(file, '', `${bytes.byteLength} bytes, more than the limit of ${maxBytes}`);
  let model: Proto;
  checkDecodeBudget(bytes, modelType(), file);
  try {
    model = modelType().decode(bytes);
  } catch (cause) {
    // protobufjs's RangeError/Error (truncation, bad wire type), or a stack overflow on absurd nesting.
    throw new OnnxFormatError(file, '', `not a valid ONNX protobuf (${(cause as Error)?.message ?? cause})`, { cause });
  }
  const irVersion = toSafeInt(model.irVersion);
  if (!(irVersion >= 3))
    throw new OnnxFormatError(file, 'ir_version', `IR version ${irVersion} predates opset imports (3 or later expected)`);
  const { opset, opsetImports } = readOpsets(model, file);
  const graph = model.graph;
  if (!graph) throw new OnnxFormatError(file, 'graph', 'the model has no graph');
  if (graph.sparseInitializer.length) throw new OnnxFormatError(file, 'graph', 'sparse initializers are not supported');
  const ctx: DecodeContext = { file, fileBytes: bytes.byteLength, externalData: options.externalData ?? {} };

  const initializers = new Map<string, OnnxTensor>();
  for (const t of graph.initializer as Proto[]) {
    const what = `initializer '${t.name}'`;
    if (!t.name || initializers.has(t.name)) throw new OnnxFormatError(file, what, 'an initializer without a name, or named twice');
    initializers.set(t.name, decodeTensor(t, what, ctx));
  }
  const allInputs = (graph.input as Proto[]).map((v) => readValueInfo(v, `graph input '${v.name}'`, file));
  const outputs = (graph.output as Proto[]).map((v) => readValueInfo(v, `graph output '${v.name}'`, file));
  const inputs = allInputs.filter((v) => !initializers.has(v.name));

  const customOps: OnnxModelInfo['customOps'] = [];
  const nodes = (graph.node as Proto[]).map((n, i) => {
    const node = readNode(n, i, ctx);
    if (!isOnnxDomain(node.domain)) {
      if (options.customOps !== 'report') {
        throw new UnsupportedOnnxError(
          node.name || `#${i}`,
          node.opType,
          `domain '${node.domain}' is not ONNX's own: custom ops cannot be run`,
        );
      }
      customOps.push({ node: node.name, opType: node.opType, domain: node.domain });
    }
    return node;
  });
  const given = [...inputs.map((v) => v.name), ...initializers.keys()];
  const ordered = executionOrder(
    file,
    nodes,
    given,
    outputs.map((v) => v.name),
  );
  return {
    irVersion,
    producer: { name: model.producerName, version: model.producerVersion },
    opset,
    opsetImports,
    graphName: graph.name,
    inputs,
    outputs,
    nodes: ordered,
    initializers,
    customOps,
  };
}
