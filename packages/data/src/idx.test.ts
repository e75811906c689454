import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FormatError, OptionError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { encodeIdx, readIdx } from './idx';

const DEBIAN = '/usr/share/datasets/fashion-mnist';
const files = {
  trainImages: `${DEBIAN}/train-images-idx3-ubyte.gz`,
  trainLabels: `${DEBIAN}/train-labels-idx1-ubyte.gz`,
  testImages: `${DEBIAN}/t10k-images-idx3-ubyte.gz`,
  testLabels: `${DEBIAN}/t10k-labels-idx1-ubyte.gz`,
};

/** An independent reading: node's zlib and the header by hand (magic 2049 = labels, 2051 = images). */
function manual(path: string) {
  const raw = gunzipSync(readFileSync(path));
  const magic = raw.readUInt32BE(0);
  const dims = Array.from({ length: magic & 0xff }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  return { magic, dims, payload: raw.subarray(4 + 4 * dims.length) };
}

describe.skipIf(!existsSync(files.trainImages))('readIdx on the Debian Fashion-MNIST files', () => {
  it('reads the published counts and shapes', () => {
    expect(readIdx(readFileSync(files.trainImages)).shape).toEqual([60000, 28, 28]);
    expect(readIdx(readFileSync(files.trainLabels)).shape).toEqual([60000]);
    expect(readIdx(readFileSync(files.testImages)).shape).toEqual([10000, 28, 28]);
    expect(readIdx(readFileSync(files.testLabels)).shape).toEqual([10000]);
  });

  it('agrees with a hand parse of the ungzipped files', () => {
    for (const path of [files.testLabels, files.testImages, files.trainLabels]) {
      const ref = manual(path);
      const idx = readIdx(readFileSync(path), path);
      expect(ref.magic === 2049 || ref.magic === 2051).toBe(true);
      expect(idx.shape).toEqual(ref.dims);
      expect(idx.data).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(idx.data.buffer, idx.data.byteOffset, idx.data.byteLength).equals(ref.payload)).toBe(true);
    }
    // The first training labels, as published: ankle boot, T-shirt, T-shirt, dress, T-shirt.
    expect(Array.from(readIdx(readFileSync(files.trainLabels)).data.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
  });

  it('reads uncompressed bytes too (gzip is sniffed, not assumed)', () => {
    const raw = gunzipSync(readFileSync(files.testLabels));
    const idx = readIdx(new Uint8Array(raw));
    expect(idx.shape).toEqual([10000]);
    expect(idx.data[0]).toBe(raw[8]);
  });
});

describe('readIdx on bad input', () => {
  const good = encodeIdx({ shape: [2, 3], data: Uint8Array.from([1, 2, 3, 4, 5, 6]) });

  it('round-trips encodeIdx, gzipped or not', () => {
    expect(readIdx(good)).toEqual({ shape: [2, 3], data: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
    expect(readIdx(new Uint8Array(gzipSync(good))).shape).toEqual([2, 3]);
    expect(readIdx(good.buffer as ArrayBuffer).shape).toEqual([2, 3]);
  });

  it('reads the wider big-endian types', () => {
    const bytes = Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0xff, 0xfe, 0x01, 0x00]);
    expect(Array.from(readIdx(bytes).data)).toEqual([-2, 256]);
    const f32 = new Uint8Array(12);
    f32.set([0, 0, 0x0d, 1, 0, 0, 0, 1]);
    new DataView(f32.buffer).setFloat32(8, 1.5, false);
    expect(readIdx(f32).data).toEqual(Float32Array.from([1.5]));
  });

  it('names the offset of a truncated or oversized payload', () => {
    expect(() => readIdx(good.subarray(0, good.length - 1), 'x.idx')).toThrow(FormatError);
    expect(() => readIdx(good.subarray(0, good.length - 1), 'x.idx')).toThrow(
      /x\.idx@12: IDX data truncated: shape \[2,3\] of uint8 needs 18 bytes in all, got 17/,
    );
    expect(() => readIdx(Uint8Array.from([...good, 0]))).toThrow(/trailing bytes/);
    expect(() => readIdx(good.subarray(0, 6))).toThrow(/header with rank 2 needs 12 bytes, got 6/);
    expect(() => readIdx(good.subarray(0, 2))).toThrow(/header needs 4 bytes, got 2/);
  });

  it('rejects a wrong magic, type or rank', () => {
    expect(() => readIdx(Uint8Array.from([0x50, 0x4b, 3, 4]), 'a.zip')).toThrow(/a\.zip@0: IDX magic must start with 00 00, got 0x50 0x4b/);
    expect(() => readIdx(Uint8Array.from([0, 0, 0x07, 1, 0, 0, 0, 0]))).toThrow(/type byte must be one of .* got 0x07/);
    expect(() => readIdx(Uint8Array.from([0, 0, 0x08, 0]))).toThrow(/rank must be at least 1/);
  });

  it('reports corrupt gzip as a FormatError', () => {
    const gz = new Uint8Array(gzipSync(good));
    expect(() => readIdx(gz.subarray(0, gz.length - 12), 'cut.gz')).toThrow(FormatError);
    expect(() => readIdx(gz.subarray(0, gz.length - 12), 'cut.gz')).toThrow(/^cut\.gz: gzip data is corrupt or truncated/);
  });

  it('encodeIdx checks its input', () => {
    expect(() => encodeIdx({ shape: [2, 2], data: new Uint8Array(3) })).toThrow(OptionError);
    expect(() => encodeIdx({ shape: [], data: new Uint8Array(1) })).toThrow(OptionError);
  });
});
