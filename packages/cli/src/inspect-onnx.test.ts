import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { smallCnn } from '@convkit/models';
import { exportOnnx } from '@convkit/onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@convkit/test-utils/node';

const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const convkit = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

let dir: string;
let bytes: Uint8Array;
beforeAll(async () => {
  dir = tempDir('convkit-inspect-onnx-');
  const net = smallCnn({ inputSize: 4, numClasses: 3, seed: 1 });
  bytes = await exportOnnx(net, { inputShape: [1, 1, 4, 4] });
  net.dispose();
  writeFileSync(join(dir, 'tiny.onnx'), bytes);
});

describe('convkit inspect model.onnx', () => {
  it('prints opset, inputs and outputs with the symbolic batch, node count, op histogram and parameter count', () => {
    const r = convkit('inspect', join(dir, 'tiny.onnx'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/format: onnx \(IR 8, opset ai\.onnx 17, producer convkit /);
    expect(r.stdout).toMatch(/inputs: input float32 \[batch, 1, 4, 4\]/);
    expect(r.stdout).toMatch(/outputs: output float32 \[batch, 3\]/);
    // Two conv blocks (conv 1→32 and 32→64, BN, ReLU, pool) and linear 64→128→3:
    // 320 + 4·32 + 18,496 + 4·64 + 8,320 + 387 = 27,907 values in 16 tensors (weight + bias, 4 per BN), 111,628 bytes;
    // 2 Conv, 2 BN, 3 ReLU, 2 MaxPool, Flatten, 2 Gemm = 12 nodes.
    expect(r.stdout).toMatch(/nodes: 12 \(6 op types\)/);
    expect(r.stdout).toMatch(/parameters: 27,907 in 16 initializers \(109\.0 KiB\)/);
    for (const [op, n] of [
      ['Conv', 2],
      ['BatchNormalization', 2],
      ['Relu', 3],
      ['MaxPool', 2],
      ['Gemm', 2],
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^${op}\\s+${n}$`, 'm'));
    }
  });

  it('recognises an ONNX file by its first bytes whatever its name', () => {
    writeFileSync(join(dir, 'model.bin'), bytes);
    expect(convkit('inspect', join(dir, 'model.bin')).stdout).toMatch(/format: onnx/);
  });

  it('a broken or hostile file is a one-line typed error naming the file and place', () => {
    writeFileSync(join(dir, 'cut.onnx'), bytes.subarray(0, bytes.length >> 1));
    const cut = convkit('inspect', join(dir, 'cut.onnx'));
    expect(cut.status).toBe(1);
    expect(cut.stderr).toMatch(/^error: cut\.onnx: not a valid ONNX protobuf/m);
  });
});
