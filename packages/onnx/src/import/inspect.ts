import { type DecodeOnnxOptions, decodeOnnxModel, type OnnxModelInfo, type OnnxValueInfo } from './decode';

const ITEM_BYTES: Record<string, number> = { float32: 4, double: 8, float16: 2, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1 };

export interface OnnxInspection {
  irVersion: number;
  /** ONNX's default-domain opset. */
  opset: number;
  opsetImports: OnnxModelInfo['opsetImports'];
  producer: { name: string; version: string };
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  nodeCount: number;
  /** Nodes per op type, most frequent first (custom ops as 'domain.Op'). */
  ops: [string, number][];
  /** Elements of all initializers (weights, BatchNorm statistics, shape constants). */
  parameterCount: number;
  /** Bytes of initializer data as stored in the file (float16 counts 2 bytes, not the 4 it is read as). */
  initializerBytes: number;
  initializerCount: number;
  customOps: OnnxModelInfo['customOps'];
}

/** What an ONNX model is (`convkit inspect model.onnx`): decoded and checked as for an import, custom ops listed rather than refused. */
export function inspectOnnx(bytes: Uint8Array | ArrayBuffer, options: Omit<DecodeOnnxOptions, 'customOps'> = {}): OnnxInspection {
  const info = decodeOnnxModel(bytes, { ...options, customOps: 'report' });
  const ops = new Map<string, number>();
  for (const n of info.nodes) {
    const op = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    ops.set(op, (ops.get(op) ?? 0) + 1);
  }
  let parameterCount = 0;
  let initializerBytes = 0;
  for (const t of info.initializers.values()) {
    parameterCount += t.values.length;
    initializerBytes += t.values.length * ITEM_BYTES[t.sourceDtype];
  }
  return {
    irVersion: info.irVersion,
    opset: info.opset,
    opsetImports: info.opsetImports,
    producer: info.producer,
    inputs: info.inputs,
    outputs: info.outputs,
    nodeCount: info.nodes.length,
    ops: [...ops].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    parameterCount,
    initializerBytes,
    initializerCount: info.initializers.size,
    customOps: info.customOps,
  };
}

// ModelProto's fields that can follow ir_version: producer_name, producer_version, domain, model_version, doc_string, graph, opset_import.
const SECOND_TAGS = new Set([0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42]);

/**
 * Whether bytes look like an ONNX ModelProto: ir_version (field 1, a varint 3–15) first, then
 * another ModelProto field, as every exporter writes them (a safetensors header length or a zip never does).
 */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  return bytes.length > 3 && bytes[0] === 0x08 && bytes[1] >= 3 && bytes[1] <= 15 && SECOND_TAGS.has(bytes[2]);
}
