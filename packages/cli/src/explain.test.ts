import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@convkit/test-utils/node';

const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const image = new URL('../../data/src/__fixtures__/images/rgb.png', import.meta.url).pathname;

function convkit(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('convkit explain', () => {
  const dir = tempDir('convkit-explain-');

  it('prints the top classes and the layer, and writes the eval crop with the heatmap over it as a PNG', () => {
    const out = join(dir, 'cam.png');
    const r = convkit('explain', 'resnet18', image, '--out', out, '--top', '3');
    expect(r.stderr).toContain('random weights');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(5); // the file, three classes, the Grad-CAM line
    expect(lines[4]).toMatch(/^Grad-CAM of .+ \(\d+\) at layer layer4 → .*cam\.png \(224×224\)$/);
    const png = PNG.sync.read(readFileSync(out));
    // resnet18's eval crop: resize 256, centre crop 224.
    expect([png.width, png.height]).toEqual([224, 224]);
    const reds = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4) reds.add(png.data[i]);
    expect(reds.size).toBeGreaterThan(10);
    expect(png.data[3]).toBe(255);
  }, 60_000);

  it('--layer, --class and --method pick what is explained', () => {
    const out = join(dir, 'cam-pp.png');
    const r = convkit('explain', 'resnet18', image, '--out', out, '--layer', 'layer3', '--class', '3', '--method', 'gradcam++');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Grad-CAM\+\+ of .+ \(3\) at layer layer3/);
    expect(PNG.sync.read(readFileSync(out)).width).toBe(224);
  }, 60_000);

  it.each([
    [['--method', 'cam'], "error: --method: expected 'gradcam' or 'gradcam++', got 'cam'"],
    [['--class', '1000'], 'error: --class: resnet18 has 1000 classes (0–999), got 1000'],
    [['--class', '-1'], "--class must be a class index (an integer from 0), got '-1'"],
    [['--alpha', '2'], "--alpha must be a number in [0, 1], got '2'"],
    [['--layer', 'layer9'], "unknown name 'layer9'"],
    [['--out', join(tmpdir(), 'cam.jpg')], "error: --out: writes a PNG: expected a .png file name, got '"],
  ])(
    '%j: a one-line error, exit code 1, no file written',
    (args, message) => {
      const out = join(dir, 'never.png');
      const r = convkit('explain', 'resnet18', image, '--out', out, ...args);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(message);
      expect(existsSync(out)).toBe(false);
    },
    60_000,
  );

  it('needs --out and a readable image', () => {
    expect(convkit('explain', 'resnet18', image).stderr).toMatch(/required option '--out <file>' not specified/);
    const missing = convkit('explain', 'resnet18', 'missing.png', '--out', join(dir, 'x.png'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('error: cannot read missing.png: no such file or folder\n');
  });
});
