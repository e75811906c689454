import { float16ToFloat32 } from '@convkit/core';
import { OnnxFormatError } from '../errors';

/** The element types convkit reads from an ONNX tensor (float16 and double arrive as float32). */
export type OnnxTensorDtype = 'float32' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

export interface OnnxTensor {
  name: string;
  dtype: OnnxTensorDtype;
  /** The type stored in the file (float16 and double are converted to float32 on reading). */
  sourceDtype: OnnxTensorDtype | 'float16' | 'double';
  dims: number[];
  /** int64 stays exact (BigInt64Array: Slice's ends are often 2^63 − 1); bool is 0/1 bytes. */
  values: Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;
}

/** Where a decoder is: the file's name (for messages), its size and the external files handed over. */
export interface DecodeContext {
  file: string;
  fileBytes: number;
  externalData: Readonly<Record<string, Uint8Array>>;
}

/** A tensor may hold at most 2^31 elements: more is a lie or beyond what tfjs can hold anyway. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31;

/** onnx.proto's TensorProto.DataType numbers, named for messages. */
// biome-ignore format: a table
export const DATA_TYPE_NAMES = [
  'undefined', 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16',
  'double', 'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16', 'float8e4m3fn', 'float8e4m3fnuz',
  'float8e5m2', 'float8e5m2fnuz', 'uint4', 'int4', 'float4e2m1',
] as const;

// How each readable type is stored: bytes per element in raw_data, and the repeated field otherwise.
const READABLE: Record<number, { name: OnnxTensor['sourceDtype']; size: number; field: string }> = {
  1: { name: 'float32', size: 4, field: 'floatData' },
  2: { name: 'uint8', size: 1, field: 'int32Data' },
  3: { name: 'int8', size: 1, field: 'int32Data' },
  6: { name: 'int32', size: 4, field: 'int32Data' },
  7: { name: 'int64', size: 8, field: 'int64Data' },
  9: { name: 'bool', size: 1, field: 'int32Data' },
  10: { name: 'float16', size: 2, field: 'int32Data' },
  11: { name: 'double', size: 8, field: 'doubleData' },
};

export const dataTypeName = (n: number): string => DATA_TYPE_NAMES[n] ?? `data type ${n}`;

// protobufjs messages are untyped.
type Proto = any;
type Int64 = number | { low: number; high: number; unsigned?: boolean };

/** A protobuf int64 (a number, or a Long when protobufjs has long.js) as a number; NaN when it is not a safe integer. */
export function toSafeInt(v: Int64 | null | undefined): number {
  if (v == null) return 0;
  const n = typeof v === 'number' ? v : (v.unsigned ? v.high >>> 0 : v.high) * 2 ** 32 + (v.low >>> 0);
  return Number.isSafeInteger(n) ? n : Number.NaN;
}

const toBigInt = (v: Int64): bigint =>
  typeof v === 'number' ? BigInt(v) : BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));

/** Checks dims (each a non-negative safe integer, their product ≤ MAX_TENSOR_ELEMENTS) and returns the element count. */
export function checkedDims(dims: readonly Int64[], fail: (message: string) => never): { dims: number[]; count: number } {
  const out = dims.map(toSafeInt);
  let count = 1;
  for (const d of out) {
    if (!(d >= 0)) fail(`dims [${dims.map(String)}] hold a negative or non-integer dimension`);
    count *= d;
    // Checked on every step so the product never leaves the exact range of a double.
    if (count > MAX_TENSOR_ELEMENTS) fail(`dims [${out}] declare more than 2^31 elements`);
  }
  return { dims: out, count };
}

// A copy in a buffer of its own (a Node Buffer's slice() would share the whole pool).
const copy = (bytes: Uint8Array) => {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
};

function fromRaw(raw: Uint8Array, type: number, count: number): OnnxTensor['values'] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (type) {
    case 1:
    case 11:
    case 10: {
      const out = new Float32Array(count);
      if (type === 1) for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      else if (type === 11) for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      else for (let i = 0; i < count; i++) out[i] = float16ToFloat32(view.getUint16(2 * i, true));
      return out;
    }
    case 7: {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getBigInt64(8 * i, true);
      return out;
    }
    case 6: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    }
    case 3:
      return new Int8Array(copy(raw).buffer);
    case 9:
      return copy(raw).map((b) => (b ? 1 : 0));
    default:
      return copy(raw);
  }
}

function fromField(list: ArrayLike<Int64>, type: number): OnnxTensor['values'] {
  const n = list.length;
  if (type === 7) return BigInt64Array.from({ length: n }, (_, i) => toBigInt(list[i]));
  const numbers = list as ArrayLike<number>;
  if (type === 10) return Float32Array.from({ length: n }, (_, i) => float16ToFloat32(numbers[i] & 0xffff));
  if (type === 1 || type === 11) return Float32Array.from(numbers);
  if (type === 6) return Int32Array.from(numbers);
  if (type === 3) return Int8Array.from(numbers);
  return Uint8Array.from(numbers, (v) => (type === 9 ? (v ? 1 : 0) : v));
}

/** The bytes of an external tensor: only from a file the caller handed over under its `location` key. */
function externalBytes(t: Proto, ctx: DecodeContext, fail: (message: string) => never): Uint8Array {
  const entries = new Map<string, string>((t.externalData ?? []).map((e: Proto) => [String(e.key), String(e.value)]));
  const location = entries.get('location');
  if (!location) fail('external data without a location');
  // An exact key of the caller's record, never a path: '../../etc/passwd' only matches a key spelled so.
  if (!Object.hasOwn(ctx.externalData, location)) {
    fail(
      `its data is in the external file '${location}', which was not handed over: pass its bytes as externalData['${location}'] (convkit never reads paths named inside a model)`,
    );
  }
  const file = ctx.externalData[location];
  const offset = Number(entries.get('offset') ?? 0);
  const length = entries.has('length') ? Number(entries.get('length')) : file.byteLength - offset;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > file.byteLength) {
    fail(
      `external range (offset ${entries.get('offset') ?? 0}, length ${entries.get('length') ?? 'to the end'}) lies outside '${location}' (${file.byteLength} bytes)`,
    );
  }
  return file.subarray(offset, offset + length);
}

/**
 * Reads a TensorProto into a typed array after checking its dims against its data, raw or typed,
 * inline or external; `what` names it in errors (`initializer 'fc.weight'`).
 */
export function decodeTensor(t: Proto, what: string, ctx: DecodeContext): OnnxTensor {
  const fail = (message: string): never => {
    throw new OnnxFormatError(ctx.file, what, message);
  };
  const type = t.dataType ?? 0;
  const readable = READABLE[type];
  if (!readable) fail(`data type ${dataTypeName(type)} is not supported (float32, float16, double, int64, int32, int8, uint8, bool are)`);
  if (t.segment) fail('segmented tensors are not supported');
  const { dims, count } = checkedDims(t.dims ?? [], fail);
  const bytes = count * readable.size;
  const external = t.dataLocation === 1 || (t.externalData ?? []).length > 0;
  // Compared before any allocation: a tensor can never hold more than the file (or external file) it is in.
  if (!external && bytes > ctx.fileBytes)
    fail(`dims [${dims}] × ${readable.name} declare ${bytes} bytes, more than the whole file (${ctx.fileBytes})`);
  const raw: Uint8Array | undefined = external ? externalBytes(t, ctx, fail) : t.rawData?.length ? t.rawData : undefined;
  if (raw) {
    if (raw.byteLength !== bytes)
      fail(
        `dims [${dims}] × ${readable.name} need ${bytes} bytes of data, the ${external ? 'external range' : 'raw data'} holds ${raw.byteLength}`,
      );
    return { name: t.name ?? '', dtype: outDtype(readable.name), sourceDtype: readable.name, dims, values: fromRaw(raw, type, count) };
  }
  const list: ArrayLike<Int64> = t[readable.field] ?? [];
  if (list.length !== count) fail(`dims [${dims}] declare ${count} elements, ${readable.field} holds ${list.length}`);
  return { name: t.name ?? '', dtype: outDtype(readable.name), sourceDtype: readable.name, dims, values: fromField(list, type) };
}

const outDtype = (source: OnnxTensor['sourceDtype']): OnnxTensorDtype => (source === 'float16' || source === 'double' ? 'float32' : source);
