import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { torchAvailable } from '@convkit/test-utils/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOnnxModel, type OnnxModelInfo } from './decode';
import type { OnnxTensor } from './decode-tensor';

const valuesOf = (t: OnnxTensor | undefined): (number | bigint)[] => (t ? [...t.values] : []);

const SCRIPT = new URL('../../../../scripts/fixtures/onnx-decode.py', import.meta.url).pathname;

interface Expected {
  state: Record<string, { shape: number[]; values: number[] }>;
}

// scripts/fixtures/onnx-decode.py exports a small net with torch.onnx.export and writes its state dict.
describe.runIf(torchAvailable())('decodeOnnxModel reads what torch.onnx.export (opset 13, dynamic batch) writes', () => {
  let dir: string;
  let expected: Expected;
  const decode = (name: string) => decodeOnnxModel(readFileSync(join(dir, name)), { name });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'convkit-onnx-decode-'));
    execFileSync('/usr/bin/python3', [SCRIPT, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const checkIo = (m: OnnxModelInfo, dtype: string) => {
    expect(m.opset).toBe(13);
    expect(m.producer.name).toBe('pytorch');
    expect(m.inputs).toEqual([{ name: 'image', dtype, shape: ['batch', 3, 4, 4] }]);
    expect(m.outputs).toEqual([{ name: 'logits', dtype, shape: ['batch', 5] }]);
  };

  it('TrainingMode.PRESERVE: every state-dict name with its shape and values, BatchNorm kept, int64 shape constants', () => {
    const m = decode('preserve.onnx');
    checkIo(m, 'float32');
    for (const [key, { shape, values }] of Object.entries(expected.state)) {
      const t = m.initializers.get(key);
      expect(t, key).toBeDefined();
      expect(t?.dims).toEqual(shape);
      expect(valuesOf(t)).toEqual(values);
    }
    const ops = new Set(m.nodes.map((n) => n.opType));
    for (const op of ['Conv', 'BatchNormalization', 'Relu', 'MaxPool', 'Shape', 'Reshape', 'Gemm']) expect(ops, op).toContain(op);
    const int64 = [...m.initializers.values(), ...m.nodes.flatMap((n) => Object.values(n.attributes))].some(
      (v) => typeof v === 'object' && v !== null && 'dtype' in v && v.dtype === 'int64',
    );
    expect(int64).toBe(true);
  });

  it('a float64 export decodes as float32 (BatchNorm folded into the conv, the linear keeps its name)', () => {
    const m = decode('double.onnx');
    checkIo(m, 'double');
    expect(m.nodes.map((n) => n.opType)).not.toContain('BatchNormalization');
    const fc = m.initializers.get('fc.weight');
    expect(fc).toMatchObject({ dtype: 'float32', sourceDtype: 'double', dims: [5, 16] });
    expect(valuesOf(fc)).toEqual(expected.state['fc.weight'].values);
    const convWeights = [...m.initializers.values()].filter((t) => t.dims.length === 4);
    expect(convWeights.map((t) => t.dims)).toEqual([[4, 3, 3, 3]]);
  });
});
