// Concatenation along the last axis (GoogLeNet's inception outputs, DenseNet-style blocks): each
// input is copied into its channel slice of one wasm block with one memory.copy per pixel row,
// instead of tfjs-cpu's per-row typed-array copies into a fresh array.
import * as tf from '@tensorflow/tfjs-core';
import { engine, f32, type KernelArgs, outputTensor, size, wasmKernel } from './common';

export const concat = wasmKernel(tf.Concat, (args: KernelArgs) => {
  const inputs = Object.values(args.inputs);
  const rank = inputs[0]?.shape.length ?? 0;
  const axis = Number(args.attrs?.axis ?? 0);
  if (inputs.length < 2 || rank < 2 || (axis !== rank - 1 && axis !== -1)) return undefined;
  const lead = inputs[0].shape.slice(0, -1);
  const values = inputs.map((t) => f32(args.backend, t));
  if (values.some((v) => !v) || inputs.some((t) => t.shape.length !== rank || t.shape.slice(0, -1).some((d, i) => d !== lead[i])))
    return undefined;
  const rows = size(lead);
  const channels = inputs.reduce((sum, t) => sum + t.shape[rank - 1], 0);
  if (rows * channels === 0) return undefined;
  const e = engine();
  e.reset();
  const y = e.output(rows * channels);
  let offset = 0;
  inputs.forEach((t, i) => {
    const c = t.shape[rank - 1];
    if (c > 0)
      e.run('copyRows', [e.input(values[i] as Float32Array), c * 4, y + offset * 4, channels * 4, c * 4, rows, 0], rows * c >= 1 << 16);
    offset += c;
  });
  return outputTensor(args.backend, e, y, [...lead, channels]);
});
