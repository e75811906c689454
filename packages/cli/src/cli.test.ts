import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const fixtures = new URL('../../weights/src/__fixtures__/', import.meta.url).pathname;

function convkit(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('convkit CLI', () => {
  it('--help lists the commands', () => {
    const r = convkit('--help');
    expect(r.status).toBe(0);
    for (const c of ['demo', 'train', 'models', 'summary', 'predict', 'inspect', 'convert', 'bench']) expect(r.stdout).toContain(c);
  });

  it('models lists torchvision names with published parameter counts', () => {
    const r = convkit('models');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/resnet50\s+resnet\s+25,557,032\s+224×224/);
    expect(r.stdout).toMatch(/efficientnet_b7\s+efficientnet\s+66,347,960\s+600×600/);
  });

  it('summary prints the table and totals', () => {
    const r = convkit('summary', 'resnet18', '--input', '64');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Total params: 11,689,512/);
    expect(r.stdout).toMatch(/layer4\.1\.bn2\s+BatchNorm2d\s+2×2×512/);
  });

  it('bench times a model and names the backend', () => {
    const r = convkit('bench', 'resnet18', '--input', '32', '--runs', '2');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/resnet18, batch 1, 32×32, backend cpu/);
    expect(r.stdout).toMatch(/median \d+\.\d ms, min/);
  });

  it('bad input is a one-line error and exit code 1', () => {
    const unknown = convkit('summary', 'resnet19');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/error: modelInfo: unknown name 'resnet19'; known: vgg11/);
    const badOption = convkit('summary', 'resnet18', '--input', 'big');
    expect(badOption.status).toBe(1);
    expect(badOption.stderr).toMatch(/--input must be a positive integer, got 'big'/);
    const unknownModel = convkit('train', '--model', 'resnet19', '--subset');
    expect(unknownModel.status).toBe(1);
    expect(unknownModel.stderr).toMatch(/unknown name 'resnet19'/);
    const corrupt = convkit('inspect', join(fixtures, 'tiny-net.json'));
    expect(corrupt.status).toBe(1);
    expect(corrupt.stderr).toMatch(/^error: /m);
  });

  it('inspect shows format, tensors and dtypes of a PyTorch checkpoint', () => {
    const r = convkit('inspect', join(fixtures, 'tiny-net.pth'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/format: pth/);
    expect(r.stdout).toMatch(/bn1\.num_batches_tracked\s+I64\s+\[\]/);
    expect(r.stdout).toMatch(/conv1\.weight\s+F32\s+\[4, 3, 3, 3\]/);
  });

  it('convert writes a safetensors file that inspect reads back', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'convkit-cli-')), 'tiny.safetensors');
    const r = convkit('convert', join(fixtures, 'tiny-net.pth'), out);
    expect(r.status).toBe(0);
    const header = readFileSync(out);
    const length = Number(header.readBigUInt64LE(0));
    expect(JSON.parse(header.subarray(8, 8 + length).toString())).toHaveProperty(['conv1.weight', 'shape'], [4, 3, 3, 3]);
    expect(convkit('inspect', out).stdout).toMatch(/format: safetensors/);
  });
});
