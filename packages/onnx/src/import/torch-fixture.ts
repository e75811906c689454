// Test-only (not exported): torchvision exports made by scripts/fixtures/onnx-import.py with
// Debian's torch at test time, cached under .cache/onnx-import.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

const ROOT = new URL('../../../..', import.meta.url).pathname;
const CACHE = join(ROOT, '.cache', 'onnx-import');

export interface TorchExport {
  bytes: Uint8Array;
  float32Error: number;
  /** With `step`: max over parameters of PyTorch's own float32 gradient error vs float64 (relative). */
  stepFloat32Error: number | null;
  /** `input` (NHWC), `logits`, `state.*` (tfjs layouts); with `step`: `step_input`, `step_labels`, `grad.*`, `updated.*`. */
  tensors: Record<string, tf.Tensor>;
  /** With `pth`: the state dict as `torch.save` writes it (PyTorch layout). */
  pthPath: string;
  dispose(): void;
}

export interface ExportOptions {
  opset?: number;
  preserve?: boolean;
  step?: boolean;
  rawInit?: boolean;
  /** Also write the state dict with `torch.save` (`pthPath`). */
  pth?: boolean;
  /** Export without dynamic axes (the batch size is baked in). */
  static?: boolean;
  /** Input size of the export (default 64). */
  size?: number;
}

export function torchExport(
  model: string,
  { opset = 13, preserve = false, step = false, rawInit = false, pth = false, static: fixed = false, size = 64 }: ExportOptions = {},
): TorchExport {
  const tags = [preserve && 'preserve', step && 'step', rawInit && 'raw', pth && 'pth', fixed && 'static', size !== 64 && `${size}px`];
  const stem = [model, opset, ...tags.filter(Boolean)].join('-');
  const files = ['.onnx', '.bin', ...(pth ? ['.pth'] : []), '.json'];
  if (!files.every((ext) => existsSync(join(CACHE, stem + ext)))) {
    mkdirSync(CACHE, { recursive: true });
    // Parallel workers may ask for the same export: write apart, rename into place (json last).
    const scratch = mkdtempSync(join(CACHE, '.tmp-'));
    try {
      const flags = [preserve && '--preserve', step && '--step', rawInit && '--raw-init', pth && '--pth', fixed && '--static']
        .filter((f): f is string => !!f)
        .concat('--size', String(size));
      const args = [
        join(ROOT, 'scripts/fixtures/onnx-import.py'),
        model,
        '--opset',
        String(opset),
        ...flags,
        '--out',
        scratch,
        '--stem',
        stem,
      ];
      execFileSync('/usr/bin/python3', args, { stdio: ['ignore', 'ignore', 'ignore'] });
      for (const ext of files) renameSync(join(scratch, stem + ext), join(CACHE, stem + ext));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const header = JSON.parse(readFileSync(join(CACHE, `${stem}.json`), 'utf8')) as {
    float32Error: number;
    stepFloat32Error: number | null;
    tensors: Record<string, { shape: number[]; offset: number }>;
  };
  const bin = readFileSync(join(CACHE, `${stem}.bin`));
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, { shape, offset }] of Object.entries(header.tensors)) {
    const size = shape.reduce((a, b) => a * b, 1);
    tensors[name] = tf.tensor(new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + 4 * size)), shape);
  }
  return {
    bytes: new Uint8Array(readFileSync(join(CACHE, `${stem}.onnx`))),
    float32Error: header.float32Error,
    stepFloat32Error: header.stepFloat32Error,
    tensors,
    pthPath: join(CACHE, `${stem}.pth`),
    dispose: () => tf.dispose(Object.values(tensors)),
  };
}

/** The tensors under `prefix.` by the rest of their name. */
export function prefixed(tensors: Record<string, tf.Tensor>, prefix: string): Record<string, tf.Tensor> {
  return Object.fromEntries(
    Object.entries(tensors).flatMap(([k, v]) => (k.startsWith(`${prefix}.`) ? [[k.slice(prefix.length + 1), v]] : [])),
  );
}
