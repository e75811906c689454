import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectFormatError, expectNoLeaks } from '@convkit/test-utils';
import { readJson, tempDir } from '@convkit/test-utils/node';
import { fixture } from './__fixtures__/tiny-net';
import { parseSafetensors, readSafetensors } from './safetensors-read';
import { writeSafetensors } from './safetensors-write';

type DtypeCase = { shape: number[]; data: number[]; dtype: string };
const expected = readJson<Record<string, DtypeCase>>(new URL('./__fixtures__/dtypes.json', import.meta.url));

/** Builds a safetensors file from a header object and a data section (for bad-input cases). */
function craft(header: unknown, data = new Uint8Array(0), lengthOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, lengthOverride ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors reading', () => {
  it('decodes every dtype written by PyTorch (F32/F16/BF16/F64/I64/I32/U8/I8/BOOL) to float32/int32', () => {
    expectNoLeaks(() => {
      const { tensors, metadata } = readSafetensors(fixture('dtypes.safetensors'));
      expect(metadata).toEqual({ format: 'pt', note: 'hand-written' });
      expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected).sort());
      for (const [key, e] of Object.entries(expected)) {
        const t = tensors[key];
        expect(t.shape, key).toEqual(e.shape);
        const isFloat = /float/.test(e.dtype);
        expect(t.dtype, key).toBe(isFloat ? 'float32' : 'int32');
        // float16/bfloat16 values were rounded by torch itself, so they compare exactly in float32.
        expect(Array.from(t.dataSync()), key).toEqual(e.data.map((v) => (isFloat ? Math.fround(v) : v)));
      }
      tf.dispose(Object.values(tensors));
    });
  });

  it('gives aligned F32 tensors as views over the input buffer (no copy)', () => {
    const bytes = fixture('tiny-net.safetensors');
    const file = parseSafetensors(bytes);
    const weight = file.tensors.find((t) => t.key === 'conv1.weight')!;
    expect(weight.read().buffer).toBe(bytes.buffer);
    expect(file.layout).toBe('pytorch');
  });

  it('reports truncation, wrong magic and bad headers with a FormatError naming the offset', () => {
    expectFormatError(() => parseSafetensors(new Uint8Array(5)), 'truncated', /@0/);
    const good = fixture('tiny-net.safetensors');
    expectFormatError(() => parseSafetensors(good.subarray(0, 200)), /header length \d+ exceeds/);
    expectFormatError(() => parseSafetensors(craft('{"a": nope}')), 'not valid UTF-8 JSON', /@8/);
    expectFormatError(() => parseSafetensors(craft('[1,2]')), 'must be a JSON object');
    expectFormatError(() => parseSafetensors(craft('{}', new Uint8Array(0), 1000)), 'header length 1000 exceeds');
    const f32 = { dtype: 'F32', shape: [2] };
    expectFormatError(
      () => parseSafetensors(craft({ a: { ...f32, data_offsets: [0, 8] } }, new Uint8Array(4))),
      'a@',
      'outside the 4 data bytes',
    );
    expectFormatError(
      () => parseSafetensors(craft({ a: { ...f32, data_offsets: [0, 4] } }, new Uint8Array(8))),
      '4 bytes for F32 shape [2], which needs 8',
    );
    expectFormatError(
      () => parseSafetensors(craft({ a: { ...f32, data_offsets: [0, 8] }, b: { ...f32, data_offsets: [4, 12] } }, new Uint8Array(12))),
      'b@',
      'overlaps tensor a',
    );
    expectFormatError(
      () => parseSafetensors(craft({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1))),
      'unknown dtype "F8_E4M3"',
    );
    expectFormatError(() => parseSafetensors(craft({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } })), 'shape must be');
    expectFormatError(() => parseSafetensors(craft({ __metadata__: { n: 3 } })), '__metadata__');
  });
});

describe('safetensors writing', () => {
  it('writes sorted keys, metadata first, an 8-byte aligned header and little-endian data', () => {
    expectNoLeaks(() => {
      const b = tf.tensor([1.5, -2], [2]);
      const a = tf.tensor([[1, 2, 3]], [1, 3], 'int32');
      const bytes = writeSafetensors({ b, a }, { metadata: { format: 'convkit' } });
      const headerLength = new DataView(bytes.buffer).getUint32(0, true);
      expect(headerLength % 8).toBe(0);
      const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
      expect(text.trimEnd()).toBe(
        '{"__metadata__":{"format":"convkit"},"a":{"dtype":"I32","shape":[1,3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}',
      );
      expect(Array.from(new Float32Array(bytes.slice(8 + headerLength + 12).buffer))).toEqual([1.5, -2]);
      const back = readSafetensors(bytes);
      expect(Array.from(back.tensors.a.dataSync())).toEqual([1, 2, 3]);
      expect(back.tensors.a.dtype).toBe('int32');
      tf.dispose([a, b, ...Object.values(back.tensors)]);
    });
  });

  const python = '/usr/bin/python3';
  const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch'], { timeout: 30_000 }).status === 0;
  it.skipIf(!hasTorch)('is read back by Python (struct + json + torch.frombuffer, as the safetensors format specifies)', () => {
    const dir = tempDir('convkit-st-');
    const path = join(dir, 'out.safetensors');
    const tensors = {
      'layer.weight': tf.tensor([
        [0.25, -1],
        [3, 4e-3],
        [5, 6],
      ]),
      count: tf.scalar(7, 'int32'),
      mask: tf.tensor([true, false, true], [3], 'bool'),
    };
    writeFileSync(path, writeSafetensors(tensors, { metadata: { format: 'pt' } }));
    tf.dispose(Object.values(tensors));
    const script = `
import json, struct, sys, torch
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
assert n % 8 == 0
header = json.loads(raw[8:8 + n])
dt = {'F32': torch.float32, 'I32': torch.int32, 'BOOL': torch.bool}
out = {'__metadata__': header.pop('__metadata__')}
for k, v in header.items():
    b, e = v['data_offsets']
    t = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + e]), dtype=dt[v['dtype']]).reshape(v['shape'])
    out[k] = {'shape': list(t.shape), 'values': t.flatten().tolist()}
print(json.dumps(out))`;
    const run = spawnSync(python, ['-c', script, path], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      __metadata__: { format: 'pt' },
      'layer.weight': { shape: [3, 2], values: [0.25, -1, 3, Math.fround(4e-3), 5, 6] },
      count: { shape: [], values: [7] },
      mask: { shape: [3], values: [true, false, true] },
    });
  });
});
