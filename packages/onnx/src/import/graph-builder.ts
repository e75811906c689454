// Test-only (not exported): hand-built ONNX graphs run on the importer and on onnxruntime-node.
import * as tf from '@tensorflow/tfjs-core';
import { relativeDiff } from '@convkit/test-utils';
import { runOnnx, toNchw } from '@convkit/test-utils/onnx';
import { expect } from 'vitest';
import { encodeModel } from '../model-proto';
import { type AttributeValue, OnnxGraph } from '../onnx-graph';
import { importOnnx } from './import-onnx';

export const seeded = (n: number, seed: number): Float32Array =>
  tf.tidy(() => tf.randomNormal([n], 0, 1, 'float32', seed).dataSync() as Float32Array);

/** A graph from `build` (which gets the input's name and returns the output's), encoded. */
export function model(
  build: (g: OnnxGraph, x: string) => string,
  input: (number | string)[],
  output: (number | string)[],
  opset = 13,
): Uint8Array {
  const g = new OnnxGraph(opset);
  const out = build(g, 'input');
  g.renameOutput(out, 'output');
  const values = new Map([...g.initializers.values()].map((i) => [i.name, i.values as Float32Array | number[]]));
  return encodeModel(g, values, {
    name: 'tiny',
    input: { name: 'input', dims: input },
    output: { name: 'output', dims: output },
    producerVersion: '0',
  });
}

/** A float initializer of seeded normal values. */
export const weight = (g: OnnxGraph, name: string, dims: number[], seed: number): string =>
  g.initializer(
    name,
    seeded(
      dims.reduce((a, b) => a * b, 1),
      seed,
    ),
    dims,
  );

/** A node with several outputs (Split); returns their names. */
export function addMulti(
  g: OnnxGraph,
  opType: string,
  inputs: string[],
  outputs: number,
  attributes: Record<string, AttributeValue> = {},
): string[] {
  const name = g.unique(`/${opType}`);
  const names = Array.from({ length: outputs }, (_, i) => g.unique(`${name}_output_${i}`));
  g.append({ opType, name, inputs, outputs: names, attributes });
  return names;
}

/** `predict` (NHWC) and `run` (NCHW) against onnxruntime-node on a seeded input; returns the larger relative difference. */
export async function expectLikeOnnxRuntime(bytes: Uint8Array, nchwShape: number[]): Promise<number> {
  const m = await importOnnx(bytes);
  const x = tf.randomNormal([nchwShape[0], nchwShape[2], nchwShape[3], nchwShape[1]] as number[], 0, 1, 'float32', 3);
  const xNchw = toNchw(x);
  try {
    const before = tf.memory().numTensors;
    const ours = m.predict(x);
    const viaRun = m.run({ input: xNchw }).output as tf.Tensor;
    expect(tf.memory().numTensors).toBe(before + 2);
    const theirs = await runOnnx(bytes, xNchw);
    // predict gives NHWC for a rank-4 output, run the graph's own layout.
    const oursOnnx = ours.rank === 4 ? toNchw(ours) : ours.clone();
    expect(oursOnnx.shape).toEqual(theirs.shape);
    expect(viaRun.shape).toEqual(theirs.shape);
    const diff = Math.max(relativeDiff(oursOnnx, theirs), relativeDiff(viaRun, theirs));
    tf.dispose([ours, viaRun, theirs, oursOnnx]);
    expect(diff).toBeLessThan(1e-5);
    return diff;
  } finally {
    tf.dispose([x, xNchw]);
    m.dispose();
  }
}
