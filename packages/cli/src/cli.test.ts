import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parameterConversion, skipInit, toPytorchShape } from '@convkit/core';
import { createModel } from '@convkit/models';
import { encodeSafetensors, saveWeights } from '@convkit/weights';
import { describe, expect, it } from 'vitest';
import { torchAvailable, tempDir } from '@convkit/test-utils/node';

const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const fixtures = new URL('../../weights/src/__fixtures__/', import.meta.url).pathname;
const images = new URL('../../data/src/__fixtures__/images/', import.meta.url).pathname;

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
    // MB as torchinfo: (11,689,512 params + 9,600 BN statistics + 20 counters) × 4 bytes / 10^6.
    expect(r.stdout).toMatch(/Params \+ buffers size: 46\.80 MB/);
    expect(r.stdout).toMatch(/layer4\.1\.bn2\s+BatchNorm2d\s+2×2×512/);
  });

  it('bench times a model and names the backend', () => {
    const r = convkit('bench', 'resnet18', '--input', '32', '--runs', '2');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/resnet18, batch 1, 32×32, backend cpu/);
    expect(r.stdout).toMatch(/median \d+\.\d ms, min/);
  });

  it('bad input is a one-line error and exit code 1', () => {
    const badOption = convkit('summary', 'resnet18', '--input', 'big');
    expect(badOption.status).toBe(1);
    expect(badOption.stderr).toMatch(/--input must be a positive integer, got 'big'/);
    const corrupt = convkit('inspect', join(fixtures, 'tiny-net.json'));
    expect(corrupt.status).toBe(1);
    expect(corrupt.stderr).toMatch(/^error: /m);
  });

  // Every command that takes a model name says what was asked and suggests the closest name.
  it.each([
    ['summary', 'resnet5O'],
    ['summary', 'resnet5O', '--input', '32'],
    ['bench', 'resnet5O', '--input', '32'],
    ['export', 'resnet5O', '--out', join(tmpdir(), 'never.onnx')],
    ['predict', 'resnet5O', 'cat.png'],
    ['train', '--model', 'resnet5O', '--subset'],
  ])('%s %s: an unknown model name suggests the closest', (...args) => {
    const r = convkit(...args);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("error: unknown model 'resnet5O'; did you mean resnet50? (`convkit models` lists them)\n");
  });

  it('a far-off model name gets no suggestion; small_cnn counts for train', () => {
    const far = convkit('summary', 'transformer_xl');
    expect(far.status).toBe(1);
    expect(far.stderr).toBe("error: unknown model 'transformer_xl' (`convkit models` lists them)\n");
    expect(convkit('train', '--model', 'smal_cnn', '--subset').stderr).toMatch(/did you mean small_cnn\?/);
  });

  // Every command that reads a file: one line naming the path, exit code 1, no stack or errno dump.
  it.each([
    [['inspect', 'missing.pth'], 'cannot read missing.pth: no such file or folder'],
    [['inspect', tmpdir()], `cannot read ${tmpdir()}: is a folder, not a file`],
    [['convert', 'missing.pth', join(tmpdir(), 'never.safetensors')], 'cannot read missing.pth: no such file or folder'],
    [
      ['convert', join(fixtures, 'tiny-net.pth'), '/no/such/folder/x.safetensors'],
      'cannot write /no/such/folder/x.safetensors: no such folder',
    ],
    [['predict', 'resnet18', 'missing.png'], 'cannot read missing.png: no such file or folder'],
    [['predict', 'resnet18', '--weights', 'missing.pth', 'missing.png'], 'cannot read missing.pth: no such file or folder'],
    [
      ['export', 'resnet18', '--weights', 'missing.pth', '--out', join(tmpdir(), 'never.onnx')],
      'cannot read missing.pth: no such file or folder',
    ],
    [['train', '--data', '/no/such/folder'], 'cannot read /no/such/folder: no such file or folder'],
  ])('%j: a missing or unreadable file is one line naming it', (args, message) => {
    const r = convkit(...args);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error: ${message}\n`);
  });

  it('predict reads a Hugging Face timm folder and preprocesses as its config.json says', () => {
    const folder = tempDir('convkit-hub-');
    const model = createModel('timm/tf_efficientnet_b0', { seed: 3 });
    writeFileSync(join(folder, 'model.safetensors'), saveWeights(model));
    model.dispose();
    const pretrained_cfg = {
      input_size: [3, 35, 35],
      crop_pct: 0.875,
      interpolation: 'bicubic',
      crop_mode: 'center',
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    };
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ architecture: 'tf_efficientnet_b0', num_classes: 1000, pretrained_cfg }));
    const r = convkit('predict', 'timm/tf_efficientnet_b0', '--weights', folder, '--top', '2', join(images, 'rgb.png'));
    expect(r.stderr).toContain("config.json's transforms: resize 40, centre crop 35, bicubic"); // ⌊35 / 0.875⌋ = 40
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(3); // the file, then two classes
  });

  it("a checkpoint of another model: PyTorch's shapes, the first keys of each kind, and the model it does fit", () => {
    // resnet50's keys and PyTorch shapes; one byte a value (U8) is enough, the load stops at the shapes.
    const model = skipInit(() => createModel('resnet50'));
    const entries = Object.entries(model.stateDict()).map(([key, t]) => {
      const shape = toPytorchShape(t.shape, parameterConversion(t.shape));
      return { key, dtype: 'U8' as const, shape, bytes: new Uint8Array(t.size) };
    });
    model.dispose();
    const file = join(tempDir('convkit-fit-'), 'resnet50.safetensors');
    writeFileSync(file, encodeSafetensors(entries, { format: 'pt' }));
    const r = convkit('predict', 'resnet18', join(images, 'rgb.png'), '--weights', file);
    expect(r.status).toBe(1);
    const lines = r.stderr.slice(r.stderr.indexOf('error: ')).trimEnd().split('\n');
    expect(lines[0]).toBe('error: loadWeights(resnet50.safetensors): state dict does not fit the module:');
    expect(lines).toContain('  unexpected keys (198), in the state dict but not in the module:');
    expect(lines).toContain('    … and 195 more');
    expect(lines).toContain('    layer1.0.conv1.weight: expected [64, 64, 3, 3], got [64, 64, 1, 1]');
    expect(lines.at(-1)).toBe('  these weights fit resnet50 or timm/resnet50, not resnet18');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(120);
  });

  it('inspect shows format, tensors and dtypes of a PyTorch checkpoint', () => {
    const r = convkit('inspect', join(fixtures, 'tiny-net.pth'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/format: pth/);
    expect(r.stdout).toMatch(/bn1\.num_batches_tracked\s+I64\s+\[\]/);
    expect(r.stdout).toMatch(/conv1\.weight\s+F32\s+\[4, 3, 3, 3\]/);
  });

  it('convert writes a safetensors file that inspect reads back', () => {
    const out = join(tempDir('convkit-cli-'), 'tiny.safetensors');
    const r = convkit('convert', join(fixtures, 'tiny-net.pth'), out);
    expect(r.status).toBe(0);
    const header = readFileSync(out);
    const length = Number(header.readBigUInt64LE(0));
    expect(JSON.parse(header.subarray(8, 8 + length).toString())).toHaveProperty(['conv1.weight', 'shape'], [4, 3, 3, 3]);
    expect(convkit('inspect', out).stdout).toMatch(/format: safetensors/);
  });

  it('demo saves outside the working folder, shows the lr per epoch, and PyTorch loads the file as is', () => {
    const cwd = tempDir('convkit-demo-cwd-');
    const r = spawnSync(process.execPath, [bin, 'demo', '--limit', '256', '--epochs', '2'], { cwd, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^epoch 1\/2 .* lr 0\.00020→0\.00\d\d /m); // OneCycle starts at 0.005 / 25
    expect(r.stdout).toMatch(/^epoch 2\/2 .* lr 0\.00\d\d→2\.0e-8 /m); // … and ends at that / 10^4
    const out = join(tmpdir(), 'convkit-fashion-cnn.safetensors');
    expect(r.stdout).toContain(`Saved the weights to ${out}`);
    expect(readdirSync(cwd)).toEqual([]);
    if (!torchAvailable()) return;
    const script = new URL('../../../scripts/torch/load_small_cnn.py', import.meta.url).pathname;
    const torch = JSON.parse(execFileSync('/usr/bin/python3', [script, out], { encoding: 'utf8' })) as { keys: Record<string, number[]> };
    expect(torch.keys['classifier.0.weight']).toEqual([128, 3136]);
  });
});
