import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

const ROOT = new URL('../../..', import.meta.url).pathname;
const CACHE = join(ROOT, '.cache', 'torch-fixtures');
const PYTHON = '/usr/bin/python3';

let available: boolean | undefined;

/** Whether `/usr/bin/python3` has torch and torchvision (CI installs them; they must be there). */
export function torchAvailable(): boolean {
  if (available === undefined) {
    available = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
    if (!available && process.env.CI)
      throw new Error('CI needs /usr/bin/python3 with torch and torchvision (python3-torch, python3-torchvision)');
  }
  return available;
}

export interface TorchReference {
  numParams: number;
  /** max |PyTorch float32 − float64| / max |logit|: how much the model amplifies rounding. */
  float32Error: number;
  /** torchvision's state dict, already in tfjs layouts. */
  state: Record<string, tf.Tensor>;
  input: tf.Tensor;
  logits: tf.Tensor;
  /** One training step (`--grads`): its input, labels, cross-entropy loss and gradients by state-dict name, tfjs layouts. */
  step?: { input: tf.Tensor; labels: number[]; loss: number; grads: Record<string, tf.Tensor> };
  /** `torch.save(model.state_dict())` in PyTorch's layout, when `--pth` was asked for. */
  pthPath: string;
  dispose(): void;
}

/** Generates PyTorch's reference for a torchvision model once (cached); returns its file stem. */
export function ensureTorchReference(model: string, { size = 64, seed = 0, batch = 2, extra = [] as string[] } = {}): string {
  const tag = extra.length ? `-${extra.join('').replace(/-/g, '')}` : '';
  const dir = join(CACHE, `${model}${tag}`);
  const stem = join(dir, `${model}-${size}-${seed}`);
  const files = ['.bin', '.json', ...(extra.includes('--pth') ? ['.pth'] : [])];
  if (files.every((ext) => existsSync(`${stem}${ext}`))) return stem;
  // Test files run in parallel workers and may ask for the same reference at once: each writes
  // into a folder of its own and renames the finished files into place (json last), so a reader
  // that finds a file finds it whole.
  mkdirSync(CACHE, { recursive: true });
  const scratch = mkdtempSync(join(CACHE, '.tmp-'));
  try {
    const args = ['--size', String(size), '--seed', String(seed), '--batch', String(batch), '--out', scratch, ...extra];
    execFileSync(PYTHON, [join(ROOT, 'scripts/fixtures/architectures.py'), model, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    mkdirSync(dir, { recursive: true });
    const name = basename(stem);
    for (const ext of files.filter((e) => e !== '.json').concat('.json')) renameSync(join(scratch, `${name}${ext}`), `${stem}${ext}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return stem;
}

/** Generates (once, cached) and reads PyTorch's reference for a torchvision model. */
export function torchReference(
  model: string,
  options: { size?: number; seed?: number; batch?: number; extra?: string[] } = {},
): TorchReference {
  const stem = ensureTorchReference(model, options);
  const header = JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as {
    numParams: number;
    float32Error: number;
    tensors: Record<string, { shape: number[]; offset: number }>;
  };
  const bytes = readFileSync(`${stem}.bin`);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, { shape, offset }] of Object.entries(header.tensors)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(bytes.buffer, bytes.byteOffset + offset, size);
    tensors[name] = tf.tensor(values.slice(), shape, 'float32');
  }
  const prefixed = (prefix: string) =>
    Object.fromEntries(
      Object.entries(tensors)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k.slice(prefix.length), v]),
    );
  const state = prefixed('state.');
  const step = tensors.grad_input && {
    input: tensors.grad_input,
    labels: Array.from(tensors.grad_labels.dataSync()),
    loss: tensors.grad_loss.dataSync()[0],
    grads: prefixed('grad.'),
  };
  return {
    numParams: header.numParams,
    float32Error: header.float32Error,
    state,
    input: tensors.input,
    logits: tensors.logits,
    step,
    pthPath: `${stem}.pth`,
    dispose: () => tf.dispose(Object.values(tensors)),
  };
}
