// Reads an ONNX file the way a deployment would: onnx's own checker (Debian's python3-onnx) and
// onnxruntime-node, independent of the convkit code that wrote it.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

// onnxruntime-node is a devDependency of @convkit/onnx (the root package.json does not list it).
const require = createRequire(new URL('../../packages/onnx/package.json', import.meta.url));
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');

/** `onnx.checker.check_model(full_check=True)` on a file; throws with the checker's message. */
export function checkOnnxFile(path: string): void {
  const script = 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)';
  execFileSync('/usr/bin/python3', ['-c', script, path], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Runs the file's `input` → `output` on onnxruntime-node's CPU provider. */
export async function runOnnx(
  bytes: Uint8Array,
  input: Float32Array,
  dims: number[],
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    const { output } = await session.run({ input: new ort.Tensor('float32', input, dims) });
    return { data: output.data as Float32Array, dims: output.dims };
  } finally {
    await session.release();
  }
}
