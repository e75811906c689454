import { FormatError } from '@convkit/core';
import { decodeValues, ITEM_SIZE, type SourceDType } from './dtypes';
import { asBytes, numel, type RawTensor, type WeightFile } from './weight-file';

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

/** One tensor of a manifest with where its bytes live in the group's concatenated shards. */
interface PlannedWeight {
  key: string;
  shape: number[];
  group: number;
  offset: number;
  stored: SourceDType;
  dequantize?: { scale: number; min: number };
}

export type ShardLoader = (path: string) => Promise<ArrayBuffer | ArrayBufferView>;

const PLAIN: Record<string, SourceDType> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };
// uint16 quantized values are read as unsigned from a 2-byte slot (I16 only names the size).
const QUANTIZED: Record<string, SourceDType> = { uint8: 'U8', uint16: 'I16', float16: 'F16' };

/** The JSON of a tfjs `model.json` given as bytes (`inspectWeights`, `openWeights`). */
export function readManifestJson(bytes: Uint8Array, name = 'model.json'): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new FormatError(name, `not valid JSON (${(cause as Error).message})`);
  }
}

/**
 * Reads the tfjs `model.json` weight manifest: groups of shard files whose concatenated bytes
 * hold the weights in order. Only the JSON is needed to list tensors (inspect); shards are loaded
 * by `readTfjsManifest`.
 */
export function planTfjsManifest(
  json: unknown,
  name = 'model.json',
): { groups: string[][]; weights: PlannedWeight[]; groupSizes: number[] } {
  const manifest = (json as { weightsManifest?: unknown })?.weightsManifest;
  if (!Array.isArray(manifest)) throw new FormatError(name, 'no weightsManifest array: not a tfjs model.json');
  const groups: string[][] = [];
  const weights: PlannedWeight[] = [];
  const groupSizes: number[] = [];
  manifest.forEach((group: { paths?: unknown; weights?: unknown }, g) => {
    if (!Array.isArray(group?.paths) || !group.paths.every((p) => typeof p === 'string') || !Array.isArray(group.weights)) {
      throw new FormatError(`${name}: weightsManifest[${g}]`, 'needs paths (strings) and weights');
    }
    groups.push(group.paths as string[]);
    let offset = 0;
    for (const w of group.weights as ManifestWeight[]) {
      const where = `${name}: ${w?.name}`;
      if (typeof w?.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        throw new FormatError(`${name}: weightsManifest[${g}]`, 'each weight needs a name and a shape of non-negative integers');
      }
      const q = w.quantization;
      const stored = q ? QUANTIZED[q.dtype] : PLAIN[w.dtype];
      if (!stored) throw new FormatError(where, `unsupported dtype ${q ? `quantization ${q.dtype}` : w.dtype}`);
      const itemSize = ITEM_SIZE[stored];
      const dequantize = q && q.dtype !== 'float16' ? { scale: Number(q.scale ?? 1), min: Number(q.min ?? 0) } : undefined;
      weights.push({ key: w.name, shape: [...w.shape], group: g, offset, stored, dequantize });
      offset += numel(w.shape) * itemSize;
    }
    groupSizes.push(offset);
  });
  return { groups, weights, groupSizes };
}

/** Loads the shards of a tfjs manifest; `loadShard` gets each path as written in model.json. */
export async function parseTfjsManifest(json: unknown, loadShard: ShardLoader, name = 'model.json'): Promise<WeightFile> {
  const plan = planTfjsManifest(json, name);
  const buffers: Uint8Array[] = [];
  for (const [g, paths] of plan.groups.entries()) {
    const parts = await Promise.all(paths.map(async (p) => asBytes(await loadShard(p))));
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    if (total < plan.groupSizes[g]) {
      throw new FormatError(`${name}: weightsManifest[${g}]`, `shards hold ${total} bytes, the weights need ${plan.groupSizes[g]}`);
    }
    const joined = parts.length === 1 ? parts[0] : new Uint8Array(total);
    if (parts.length > 1) parts.reduce((at, p) => (joined.set(p, at), at + p.byteLength), 0);
    buffers.push(joined);
  }
  const tensors: RawTensor[] = plan.weights.map((w) => {
    const size = numel(w.shape) * ITEM_SIZE[w.stored];
    const slice = buffers[w.group].subarray(w.offset, w.offset + size);
    const where = `${name}: ${w.key}`;
    const read = (): Float32Array | Int32Array => {
      if (!w.dequantize) return decodeValues(slice, w.stored, where);
      const raw = w.stored === 'I16' ? new DataView(slice.buffer, slice.byteOffset, slice.byteLength) : null;
      const out = new Float32Array(numel(w.shape));
      for (let i = 0; i < out.length; i++) out[i] = (raw ? raw.getUint16(2 * i, true) : slice[i]) * w.dequantize.scale + w.dequantize.min;
      return out;
    };
    const bytes = w.dequantize ? () => new Uint8Array(read().buffer) : () => slice;
    return { key: w.key, dtype: w.dequantize ? 'F32' : w.stored, shape: w.shape, byteLength: size, read, bytes };
  });
  return { format: 'tfjs-manifest', name, tensors, metadata: {}, layout: 'tfjs' };
}
