// Shared by this package's Node tests: run an exported file on onnxruntime-node, check it with
// the onnx package's checker (Debian's python3-onnx), compare logits. Not part of the package.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';

export const PYTHON = '/usr/bin/python3';

let onnxChecker: boolean | undefined;
/** Whether `/usr/bin/python3` has the onnx package (CI installs python3-onnx; it must be there). */
export function checkerAvailable(): boolean {
  if (onnxChecker === undefined) {
    onnxChecker = spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
    if (!onnxChecker && process.env.CI) throw new Error('CI needs /usr/bin/python3 with onnx (python3-onnx)');
  }
  return onnxChecker;
}

/** `onnx.checker.check_model(model, full_check=True)`; throws with the checker's message. */
export function checkModel(bytes: Uint8Array): void {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-onnx-'));
  try {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, bytes);
    execFileSync(PYTHON, ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the file on onnxruntime-node's CPU provider: NCHW (or whatever layout it was exported for) in, `output` out. */
export async function runOnnx(bytes: Uint8Array, input: tf.Tensor): Promise<tf.Tensor> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 2 });
  try {
    const out = (await session.run({ input: new ort.Tensor('float32', (await input.data()) as Float32Array, input.shape) })).output;
    return tf.tensor(out.data as Float32Array, [...out.dims]);
  } finally {
    await session.release();
  }
}

/** Max |a − b| / max |b|. */
export function relativeDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(b)).dataSync()[0]);
}

export const toNchw = (x: tf.Tensor): tf.Tensor => tf.transpose(x, [0, 3, 1, 2]);
