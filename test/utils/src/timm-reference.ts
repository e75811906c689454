// @convkit/test-utils/timm: the reference files that real timm wrote (a package's
// __fixtures__/timm-ref, see its README): the model's keys and counts, weights made by the
// README's formula with calibrated BatchNorm tensors from NAME.bn.safetensors, and timm's logits.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';

export interface TimmCase {
  input_nchw: number[];
  input_salt: number;
  logits: number[][];
  max_abs_logit: number;
  /** timm's own float32 output against its float64 one, relative to the max |logit|. */
  float32_vs_float64: number;
}

export interface TimmRef {
  model: string;
  /** timm's `state_dict()` in order: key, PyTorch shape, dtype. */
  keys: [string, number[], string][];
  num_parameters: number;
  num_features: number;
  pretrained_cfg: {
    hf_hub_id?: string;
    url?: string;
    input_size: number[];
    crop_pct: number;
    interpolation: string;
    mean: number[];
    std: number[];
  };
  cases?: TimmCase[];
}

export function readTimmRef(dir: string, model: string): TimmRef {
  return JSON.parse(readFileSync(`${dir}${model}.json`, 'utf8')) as TimmRef;
}

/** The README's deterministic values, in float64 until the final rounding to float32. */
export const timmUnit = (i: number, salt: number): number => (((i * 7919 + salt) % 65521) / 65521) * 2 - 1;

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The F32 tensors of a safetensors file by key, read here independently of `@convkit/weights`. */
function readSafetensors(path: string): Map<string, Float32Array> {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; data_offsets: [number, number] }
  >;
  const out = new Map<string, Float32Array>();
  for (const [key, { dtype, data_offsets }] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    if (dtype !== 'F32') throw new Error(`${path}: ${key} is ${dtype}, expected F32`);
    const data = bytes.subarray(8 + headerLength + data_offsets[0], 8 + headerLength + data_offsets[1]);
    out.set(key, new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
  }
  return out;
}

/**
 * timm's state dict as the README makes it, in PyTorch's layout and order: conv and linear
 * weights `u·√(3/fan_in)`, biases `0.1·u`, BatchNorm tensors from `NAME.bn.safetensors`;
 * `num_batches_tracked` is `null` (an int64 zero).
 */
export function timmValues(dir: string, ref: TimmRef): { key: string; shape: number[]; values: Float32Array | null }[] {
  const bn = readSafetensors(`${dir}${ref.model}.bn.safetensors`);
  return ref.keys.map(([key, shape], k) => {
    if (key.endsWith('num_batches_tracked')) return { key, shape, values: null };
    const fromFile = bn.get(key);
    if (fromFile) return { key, shape, values: fromFile };
    if (shape.length < 2 && !key.endsWith('.bias')) throw new Error(`${key}: no BatchNorm tensor in ${ref.model}.bn.safetensors`);
    const scale = shape.length >= 2 ? Math.sqrt(3 / numel(shape.slice(1))) : 0.1;
    return { key, shape, values: Float32Array.from({ length: numel(shape) }, (_, i) => timmUnit(i, (k + 1) * 104729) * scale) };
  });
}

/** convkit keeps conv kernels as [kh, kw, in, out] and Linear weights as [in, out]. */
export const convkitShape = (shape: number[]): number[] =>
  shape.length === 4 ? [shape[2], shape[3], shape[1], shape[0]] : shape.length === 2 ? [shape[1], shape[0]] : shape;

/** {@link timmValues} as convkit tensors (conv OIHW → HWIO, linear transposed). */
export function timmStateDict(dir: string, ref: TimmRef): Record<string, tf.Tensor> {
  const state: Record<string, tf.Tensor> = {};
  for (const { key, shape, values } of timmValues(dir, ref)) {
    state[key] = tf.tidy(() => {
      if (!values) return tf.scalar(0, 'int32');
      const t = tf.tensor(values, shape, 'float32');
      return shape.length === 4 ? tf.transpose(t, [2, 3, 1, 0]) : shape.length === 2 ? tf.transpose(t) : t;
    });
  }
  return state;
}

/** A case's input (the README's values in NCHW order) as convkit's NHWC tensor. */
export function timmInput(c: TimmCase): tf.Tensor4D {
  const [n, ch, h, w] = c.input_nchw;
  const nchw = Float32Array.from({ length: n * ch * h * w }, (_, i) => timmUnit(i, c.input_salt));
  return tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [n, ch, h, w]), [0, 2, 3, 1]));
}

/** max |ours − timm's| / max |timm's logit| for a case. */
export function timmLogitsDiff(logits: tf.Tensor, c: TimmCase): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(logits, tf.tensor2d(c.logits)))).dataSync()[0] / c.max_abs_logit);
}
