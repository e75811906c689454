import * as tf from '@tensorflow/tfjs-core';
import { FormatError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { expectFormatError } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import { fixture } from './__fixtures__/tiny-net';
import { convertPthToSafetensors, inspectWeights } from './inspect';
import { parseWeights } from './parse';
import { parsePth } from './pth';
import { parseSafetensors } from './safetensors-read';

type DtypeCase = { shape: number[]; data: number[]; dtype: string };
const expected = readJson<Record<string, DtypeCase>>(new URL('./__fixtures__/dtypes.json', import.meta.url));
const tinyNet = readJson<{ tensors: Record<string, unknown>; pytorchShapes: Record<string, number[]> }>(
  new URL('./__fixtures__/tiny-net.json', import.meta.url),
);

function values(file: ReturnType<typeof parsePth>): Record<string, { shape: number[]; data: number[] }> {
  return Object.fromEntries(file.tensors.map((t) => [t.key, { shape: t.shape, data: Array.from(t.read()) }]));
}

describe('torch.save (.pth) reading', () => {
  it('rebuilds strided, offset, shared-storage, expanded, scalar, empty tensors and every dtype as PyTorch has them', () => {
    const start = tf.memory().numTensors;
    const got = values(parsePth(fixture('dtypes.pth'), 'dtypes.pth'));
    expect(Object.keys(got)).toEqual(Object.keys(expected));
    for (const [key, e] of Object.entries(expected)) {
      expect(got[key].shape, key).toEqual(e.shape);
      expect(got[key].data, key).toEqual(/float/.test(e.dtype) ? e.data.map((v) => Math.fround(v)) : e.data);
    }
    expect(tf.memory().numTensors).toBe(start);
  });

  it('reads the torch.save of a conv/bn/linear state dict with PyTorch (OIHW) shapes and int64 num_batches_tracked', () => {
    const file = parsePth(fixture('tiny-net.pth'));
    expect(file.layout).toBe('pytorch');
    expect(Object.fromEntries(file.tensors.map((t) => [t.key, t.shape]))).toEqual(tinyNet.pytorchShapes);
    const nbt = file.tensors.find((t) => t.key === 'bn1.num_batches_tracked')!;
    expect(nbt.dtype).toBe('I64');
    expect(nbt.read()).toEqual(new Int32Array([7]));
  });

  it('unwraps {state_dict: …} checkpoints, reads deflated zips with another top folder, and big-endian storages', () => {
    const plain = values(parsePth(fixture('tiny-net.pth')));
    expect(values(parsePth(fixture('tiny-net-nested.pth')))).toEqual(plain);
    expect(values(parsePth(fixture('tiny-net-deflated.pth')))).toEqual(plain);
    const big = values(parsePth(fixture('bigendian.pth')));
    expect(big.w.data).toEqual([1.5, -2.25, Math.fround(3e-3)]);
    expect(big.n.data).toEqual([5, -6]);
  });

  it('refuses malicious pickles (os.system, builtins.eval) naming the global, without running anything', () => {
    expectFormatError(
      () => parsePth(fixture('malicious-system.pth'), 'malicious-system.pth'),
      "'posix.system'",
      'malicious-system.pth: malicious-system/data.pkl@',
    );
    // Protocol 2 spells builtins as Python 2's __builtin__.
    expectFormatError(() => parsePth(fixture('malicious-eval.pth')), "'__builtin__.eval'");
  });

  it('reports a missing storage, a truncated zip, a non-torch zip and a legacy pickle', () => {
    expectFormatError(() => parsePth(fixture('tiny-net-missing.pth'), 'm.pth'), 'm.pth: tiny-net/data/1', 'missing from the archive');
    const full = fixture('tiny-net.pth');
    expectFormatError(() => parseWeights(full.subarray(0, full.length - 30)), 'end-of-central-directory');
    expectFormatError(() => parseWeights(full.subarray(0, 2000)), 'end-of-central-directory');
    expectFormatError(() => parseWeights(new Uint8Array([0x80, 0x02, 0x7d, 0x2e])), 'legacy');
    expectFormatError(() => parseWeights(new TextEncoder().encode('hello world')), 'unknown weights format', /@0/);
  });
});

describe('inspectWeights and convertPthToSafetensors', () => {
  it('lists keys, dtypes, shapes and the data size without decoding', () => {
    const info = inspectWeights(fixture('dtypes.pth'));
    expect(info.format).toBe('pth');
    expect(info.tensors.find((t) => t.key === 'transposed')).toEqual({ key: 'transposed', dtype: 'F32', shape: [6, 4] });
    expect(info.tensors.find((t) => t.key === 'f16')).toEqual({ key: 'f16', dtype: 'F16', shape: [2, 2] });
    const sizes: Record<string, number> = {
      float32: 4,
      float16: 2,
      bfloat16: 2,
      float64: 8,
      int64: 8,
      int32: 4,
      uint8: 1,
      int8: 1,
      bool: 1,
    };
    const bytes = Object.values(expected).reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1) * sizes[e.dtype], 0);
    expect(info.totalBytes).toBe(bytes);
    expect(inspectWeights(fixture('dtypes.safetensors')).totalBytes).toBe(bytes);
  });

  it('converts a .pth to safetensors keeping keys, dtypes and values (views made contiguous)', () => {
    const st = convertPthToSafetensors(fixture('dtypes.pth'));
    const file = parseSafetensors(st);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(inspectWeights(st).tensors).toEqual(inspectWeights(fixture('dtypes.pth')).tensors.sort((a, b) => (a.key < b.key ? -1 : 1)));
    for (const t of file.tensors) {
      const e = expected[t.key];
      expect(Array.from(t.read()), t.key).toEqual(/float/.test(e.dtype) ? e.data.map((v) => Math.fround(v)) : e.data);
    }
    expect(() => convertPthToSafetensors(fixture('dtypes.safetensors'))).toThrow(FormatError);
  });
});
