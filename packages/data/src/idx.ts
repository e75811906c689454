import { FormatError, OptionError } from '@convkit/core';
import { maybeGunzip } from './gzip';

/** The element types of the IDX format (type byte → array). */
export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxTensor<T extends IdxArray = IdxArray> {
  /** Dimension sizes, outermost first (e.g. `[60000, 28, 28]`). */
  shape: number[];
  data: T;
}

const TYPES: Record<number, { name: string; size: number; read: (v: DataView, o: number) => number; make: (n: number) => IdxArray }> = {
  0x08: { name: 'uint8', size: 1, read: (v, o) => v.getUint8(o), make: (n) => new Uint8Array(n) },
  0x09: { name: 'int8', size: 1, read: (v, o) => v.getInt8(o), make: (n) => new Int8Array(n) },
  0x0b: { name: 'int16', size: 2, read: (v, o) => v.getInt16(o, false), make: (n) => new Int16Array(n) },
  0x0c: { name: 'int32', size: 4, read: (v, o) => v.getInt32(o, false), make: (n) => new Int32Array(n) },
  0x0d: { name: 'float32', size: 4, read: (v, o) => v.getFloat32(o, false), make: (n) => new Float32Array(n) },
  0x0e: { name: 'float64', size: 8, read: (v, o) => v.getFloat64(o, false), make: (n) => new Float64Array(n) },
};

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

/**
 * Reads an IDX file (the MNIST / Fashion-MNIST container): 2 zero bytes, a type byte, a rank
 * byte, big-endian uint32 dimension sizes, then the big-endian data. Gzip is detected by its magic
 * number and inflated first. `name` (a file name) is used in error messages.
 */
export function readIdx(input: Uint8Array | ArrayBuffer, name = 'idx'): IdxTensor {
  const bytes = maybeGunzip(input instanceof Uint8Array ? input : new Uint8Array(input), name);
  if (bytes.length < 4) throw new FormatError(`${name}@0`, `IDX header needs 4 bytes, got ${bytes.length}`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError(`${name}@0`, `IDX magic must start with 00 00, got ${hex(bytes[0])} ${hex(bytes[1])}`);
  }
  const type = TYPES[bytes[2]];
  if (!type)
    throw new FormatError(
      `${name}@2`,
      `IDX type byte must be one of ${Object.keys(TYPES)
        .map((k) => hex(+k))
        .join(', ')}, got ${hex(bytes[2])}`,
    );
  const rank = bytes[3];
  if (rank === 0) throw new FormatError(`${name}@3`, 'IDX rank must be at least 1, got 0');
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) {
    throw new FormatError(`${name}@${bytes.length}`, `IDX header with rank ${rank} needs ${headerSize} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerSize + count * type.size;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'has trailing bytes';
    throw new FormatError(
      `${name}@${headerSize}`,
      `IDX data ${what}: shape [${shape.join(',')}] of ${type.name} needs ${expected} bytes in all, got ${bytes.length}`,
    );
  }
  if (type.size === 1 && bytes[2] === 0x08) {
    // The common case (images, labels): a copy of the payload, detached from the gunzip buffer.
    return { shape, data: new Uint8Array(bytes.subarray(headerSize)) };
  }
  const data = type.make(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, headerSize + i * type.size);
  return { shape, data };
}

/** Writes uint8 data as an (uncompressed) IDX file — the inverse of `readIdx` for type 0x08. */
export function encodeIdx({ shape, data }: IdxTensor<Uint8Array>): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 0 || shape.length > 255 || !shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 32)) {
    throw new OptionError('encodeIdx', `shape must have 1..255 non-negative uint32 sizes, got [${shape.join(',')}]`);
  }
  if (data.length !== count)
    throw new OptionError('encodeIdx', `data must have ${count} elements for shape [${shape.join(',')}], got ${data.length}`);
  const out = new Uint8Array(4 + 4 * shape.length + count);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}
