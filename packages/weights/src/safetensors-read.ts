import * as tf from '@tensorflow/tfjs-core';
import { FormatError } from '@convkit/core';
import { decodeValues, ITEM_SIZE, isSourceDType, tfjsDType } from './dtypes';
import { asBytes, numel, type RawTensor, type WeightFile } from './weight-file';

// The reference implementation refuses headers above 100 MB; so do we (it also bounds JSON.parse).
const MAX_HEADER = 100_000_000;

/**
 * Parses a safetensors file: u64 little-endian header length, a JSON header
 * `{key: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {…}}`, then the data.
 * Every offset is checked against the real buffer before anything is read.
 */
export function parseSafetensors(input: ArrayBuffer | ArrayBufferView, name = 'safetensors'): WeightFile {
  const bytes = asBytes(input);
  if (bytes.byteLength < 8)
    throw new FormatError(`${name}@0`, `truncated: ${bytes.byteLength} bytes, a safetensors file starts with an 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (headerLength > bytes.byteLength - 8 || headerLength > MAX_HEADER) {
    throw new FormatError(
      `${name}@0`,
      `header length ${headerLength} exceeds the ${bytes.byteLength - 8} bytes after it (truncated file or not safetensors)`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (cause) {
    throw new FormatError(`${name}@8`, `header is not valid UTF-8 JSON (${(cause as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new FormatError(`${name}@8`, 'header must be a JSON object');
  }
  const dataStart = 8 + headerLength;
  const data = bytes.subarray(dataStart);
  const metadata = readMetadata((header as Record<string, unknown>).__metadata__, name);
  const tensors: RawTensor[] = [];
  const ranges: [number, number, string][] = [];
  for (const [key, info] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') continue;
    const where = `${name}: ${key}`;
    const { dtype, shape, data_offsets: offsets } = (info ?? {}) as Record<string, unknown>;
    if (!isSourceDType(dtype))
      throw new FormatError(where, `unknown dtype ${JSON.stringify(dtype)}; known: ${Object.keys(ITEM_SIZE).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new FormatError(where, `shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      throw new FormatError(where, `data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > data.byteLength) {
      throw new FormatError(
        `${where}@${dataStart + begin}`,
        `data [${begin}, ${end}) lies outside the ${data.byteLength} data bytes of the file`,
      );
    }
    const expected = numel(shape) * ITEM_SIZE[dtype];
    if (end - begin !== expected) {
      throw new FormatError(
        `${where}@${dataStart + begin}`,
        `${end - begin} bytes for ${dtype} shape [${shape.join(',')}], which needs ${expected}`,
      );
    }
    ranges.push([begin, end, key]);
    const slice = data.subarray(begin, end);
    tensors.push({
      key,
      dtype,
      shape: [...shape],
      byteLength: expected,
      bytes: () => slice,
      read: () => decodeValues(slice, dtype, where),
    });
  }
  checkOverlap(ranges, name, dataStart);
  return { format: 'safetensors', name, tensors, metadata, layout: metadata.layout === 'tfjs' ? 'tfjs' : 'pytorch' };
}

function readMetadata(raw: unknown, name: string): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
    throw new FormatError(`${name}: __metadata__`, 'must be an object of string values');
  }
  return { ...(raw as Record<string, string>) };
}

function checkOverlap(ranges: [number, number, string][], name: string, dataStart: number): void {
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 1; i < ranges.length; i++) {
    const [prevBegin, prevEnd, prevKey] = ranges[i - 1];
    const [begin, , key] = ranges[i];
    // Empty tensors occupy no bytes and may share an offset with a neighbour.
    if (begin < prevEnd && prevEnd > prevBegin) {
      throw new FormatError(`${name}: ${key}@${dataStart + begin}`, `data overlaps tensor ${prevKey} [${prevBegin}, ${prevEnd})`);
    }
  }
}

/**
 * Reads a safetensors file into tfjs tensors (float32 or int32). The caller owns and disposes them.
 * Aligned F32/I32 tensors share memory with `input`: don't mutate it while they are in use.
 */
export function readSafetensors(
  input: ArrayBuffer | ArrayBufferView,
  name?: string,
): { tensors: Record<string, tf.Tensor>; metadata: Record<string, string> } {
  const file = parseSafetensors(input, name);
  const tensors: Record<string, tf.Tensor> = {};
  try {
    for (const t of file.tensors) tensors[t.key] = tf.tensor(t.read(), t.shape, tfjsDType(t.dtype));
  } catch (e) {
    tf.dispose(Object.values(tensors));
    throw e;
  }
  return { tensors, metadata: file.metadata };
}
