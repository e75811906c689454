import { FormatError, float16ToFloat32 } from '@convkit/core';

/** Element types as safetensors names them; the common vocabulary of every reader here. */
export type SourceDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const ITEM_SIZE: Record<SourceDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export function isSourceDType(name: unknown): name is SourceDType {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(ITEM_SIZE, name);
}

/** tfjs has float32 and int32 only (bool is stored as int32 0/1 so modules can cast freely). */
export function tfjsDType(dtype: SourceDType): 'float32' | 'int32' {
  return dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' ? 'float32' : 'int32';
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function bfloat16ToFloat(b: number): number {
  u32[0] = b << 16;
  return f32[0];
}

/**
 * Decodes contiguous little-endian elements into float32/int32 values. F32/I32 data that is
 * 4-byte aligned becomes a view over `bytes` (no copy) — callers that keep the result must not
 * mutate the source buffer.
 */
export function decodeValues(bytes: Uint8Array, dtype: SourceDType, where: string): Float32Array | Int32Array {
  const n = bytes.byteLength / ITEM_SIZE[dtype];
  const aligned = (bytes.byteOffset & 3) === 0 && HOST_LITTLE_ENDIAN;
  if (dtype === 'F32' && aligned) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
  if (dtype === 'I32' && aligned) return new Int32Array(bytes.buffer, bytes.byteOffset, n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = tfjsDType(dtype) === 'float32' ? new Float32Array(n) : new Int32Array(n);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = float16ToFloat32(dv.getUint16(2 * i, true));
      break;
    case 'BF16':
      for (let i = 0; i < n; i++) out[i] = bfloat16ToFloat(dv.getUint16(2 * i, true));
      break;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
      break;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, true);
      break;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(i);
      break;
    case 'U8':
      for (let i = 0; i < n; i++) out[i] = dv.getUint8(i);
      break;
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = dv.getUint8(i) ? 1 : 0;
      break;
    case 'I64':
      for (let i = 0; i < n; i++) {
        const lo = dv.getUint32(8 * i, true);
        const hi = dv.getInt32(8 * i + 4, true);
        // int64 fits int32 exactly when the high word is the sign extension of the low word.
        if (hi !== (lo & 0x80000000 ? -1 : 0)) {
          throw new FormatError(
            where,
            `int64 element ${i} (${BigInt(hi) * 2n ** 32n + BigInt(lo)}) does not fit int32, the only integer type tfjs has`,
          );
        }
        out[i] = lo | 0;
      }
      break;
  }
  return out;
}

/**
 * Copies a strided view (PyTorch's storage offset + sizes + strides, in elements) into contiguous
 * little-endian bytes, swapping byte order when the storage was written big-endian.
 */
export function gatherStrided(
  storage: Uint8Array,
  itemSize: number,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  bigEndian: boolean,
): Uint8Array {
  const numel = shape.reduce((a, b) => a * b, 1);
  const contiguous = isContiguous(shape, strides);
  if (contiguous && !bigEndian) return storage.subarray(offset * itemSize, (offset + numel) * itemSize);
  const out = new Uint8Array(numel * itemSize);
  const index = new Array<number>(shape.length).fill(0);
  let src = offset;
  for (let i = 0; i < numel; i++) {
    const from = src * itemSize;
    const to = i * itemSize;
    if (bigEndian) for (let b = 0; b < itemSize; b++) out[to + b] = storage[from + itemSize - 1 - b];
    else for (let b = 0; b < itemSize; b++) out[to + b] = storage[from + b];
    // Odometer over the multi-index: bump the last axis, carry into the ones before it.
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      src += strides[d];
      if (index[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}
