// @convkit/test-utils/onnx (Node only): reads an exported ONNX file the way a deployment would,
// independent of the convkit code that wrote it: onnx's own checker (Debian's python3-onnx) and
// onnxruntime-node. Used by @convkit/onnx's tests and the e2e classifier spec.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';

const PYTHON = '/usr/bin/python3';

let onnxChecker: boolean | undefined;
/** Whether `/usr/bin/python3` has the onnx package (CI installs python3-onnx; it must be there). */
export function checkerAvailable(): boolean {
  if (onnxChecker === undefined) {
    onnxChecker = spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
    if (!onnxChecker && process.env.CI) throw new Error('CI needs /usr/bin/python3 with onnx (python3-onnx)');
  }
  return onnxChecker;
}

/** `onnx.checker.check_model(model, full_check=True)` on a file; throws with the checker's message. */
export function checkOnnxFile(path: string): void {
  const script = 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)';
  execFileSync(PYTHON, ['-c', script, path], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `checkOnnxFile` on bytes (written to a temporary file). */
export function checkModel(bytes: Uint8Array): void {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-onnx-'));
  try {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, bytes);
    checkOnnxFile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the file on onnxruntime-node's CPU provider: `input` (NCHW, or whatever layout it was exported for) in, `output` out. */
export async function runOnnx(bytes: Uint8Array, input: tf.Tensor): Promise<tf.Tensor> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 2 });
  try {
    const out = (await session.run({ input: new ort.Tensor('float32', (await input.data()) as Float32Array, input.shape) })).output;
    return tf.tensor(out.data as Float32Array, [...out.dims]);
  } finally {
    await session.release();
  }
}

export const toNchw = (x: tf.Tensor): tf.Tensor => tf.transpose(x, [0, 3, 1, 2]);
