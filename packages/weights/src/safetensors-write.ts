import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import type { SourceDType } from './dtypes';

/** One tensor to write: raw little-endian bytes in `dtype`. */
export interface RawEntry {
  key: string;
  dtype: SourceDType;
  shape: readonly number[];
  bytes: Uint8Array;
}

/**
 * Serializes raw entries as safetensors. Like the reference writer: `__metadata__` first, then
 * keys sorted, data in the same order, and the header padded with spaces to a multiple of 8
 * so every tensor's data starts 8-byte aligned.
 */
export function encodeSafetensors(entries: readonly RawEntry[], metadata?: Record<string, string>): Uint8Array {
  const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new OptionError(`writeSafetensors: metadata.${k}`, `values must be strings, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const e of sorted) {
    if (e.key === '__metadata__' || e.key in header) throw new OptionError(`writeSafetensors: ${e.key}`, 'duplicate or reserved key');
    header[e.key] = { dtype: e.dtype, shape: [...e.shape], data_offsets: [offset, offset + e.bytes.byteLength] };
    offset += e.bytes.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, headerLength, true);
  dv.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength);
  let at = 8 + headerLength;
  for (const e of sorted) {
    out.set(e.bytes, at);
    at += e.bytes.byteLength;
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const DTYPES: Partial<Record<tf.DataType, SourceDType>> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

/** The safetensors dtype a tfjs tensor is written as, or an error naming the key. */
export function safetensorsDType(key: string, t: tf.Tensor): SourceDType {
  const dtype = DTYPES[t.dtype];
  if (!dtype) throw new OptionError(`writeSafetensors: ${key}`, `dtype ${t.dtype} cannot be written (float32, int32 and bool can)`);
  return dtype;
}

/** Values as little-endian bytes in `dtype` (F32, I32 or BOOL) whatever the host; may be a view of `values`. */
export function encodeValues(values: ArrayLike<number>, dtype: SourceDType): Uint8Array {
  // On a little-endian host the typed array's own bytes are the file's (a view: the caller copies).
  if (LITTLE_ENDIAN && ((dtype === 'F32' && values instanceof Float32Array) || (dtype === 'I32' && values instanceof Int32Array))) {
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  }
  const bytes = new Uint8Array(values.length * (dtype === 'BOOL' ? 1 : 4));
  const dv = new DataView(bytes.buffer);
  if (dtype === 'F32') for (let i = 0; i < values.length; i++) dv.setFloat32(4 * i, values[i], true);
  else if (dtype === 'I32') for (let i = 0; i < values.length; i++) dv.setInt32(4 * i, values[i], true);
  else for (let i = 0; i < values.length; i++) bytes[i] = values[i] ? 1 : 0;
  return bytes;
}

/**
 * Writes tfjs tensors as a safetensors file (float32 → F32, int32 → I32, bool → BOOL).
 * The tensors are read, not disposed.
 */
export function writeSafetensors(tensors: Record<string, tf.Tensor>, options: { metadata?: Record<string, string> } = {}): Uint8Array {
  const entries: RawEntry[] = Object.entries(tensors).map(([key, t]) => {
    const dtype = safetensorsDType(key, t);
    return { key, dtype, shape: t.shape, bytes: encodeValues(t.dataSync() as ArrayLike<number>, dtype) };
  });
  return encodeSafetensors(entries, options.metadata);
}
