import { FormatError } from '@convkit/core';
import { detectFormat, parseWeights } from './parse';
import { encodeSafetensors } from './safetensors-write';
import { planTfjsManifest, readManifestJson } from './tfjs-manifest';
import { asBytes, type WeightFormat } from './weight-file';
import type { SourceDType } from './dtypes';

export interface WeightsInspection {
  format: WeightFormat;
  metadata: Record<string, string>;
  tensors: { key: string; dtype: SourceDType; shape: number[] }[];
  /** Bytes of tensor data (as stored in the file, before any conversion). */
  totalBytes: number;
}

/** Lists the tensors of a weights file without decoding their data (`convkit inspect`). */
export function inspectWeights(input: ArrayBuffer | ArrayBufferView, options: { name?: string } = {}): WeightsInspection {
  const bytes = asBytes(input);
  const name = options.name ?? 'weights';
  if (detectFormat(bytes) === 'tfjs-manifest') {
    const { weights, groupSizes } = planTfjsManifest(readManifestJson(bytes, name), name);
    return {
      format: 'tfjs-manifest',
      metadata: {},
      tensors: weights.map((w) => ({ key: w.key, dtype: w.stored, shape: w.shape })),
      totalBytes: groupSizes.reduce((n, size) => n + size, 0),
    };
  }
  const file = parseWeights(bytes, { name });
  return {
    format: file.format,
    metadata: file.metadata,
    tensors: file.tensors.map((t) => ({ key: t.key, dtype: t.dtype, shape: t.shape })),
    totalBytes: file.tensors.reduce((n, t) => n + t.byteLength, 0),
  };
}

/**
 * Re-encodes a torch.save checkpoint as safetensors (`convkit convert`): same keys, dtypes and
 * PyTorch layout, strided views made contiguous — the file needs no pickle to read afterwards.
 */
export function convertPthToSafetensors(
  input: ArrayBuffer | ArrayBufferView,
  options: { name?: string; metadata?: Record<string, string> } = {},
): Uint8Array {
  const file = parseWeights(input, { name: options.name ?? 'checkpoint.pth' });
  if (file.format !== 'pth') throw new FormatError(file.name, `expected a torch.save checkpoint, got ${file.format}`);
  const entries = file.tensors.map((t) => ({ key: t.key, dtype: t.dtype, shape: t.shape, bytes: t.bytes() }));
  return encodeSafetensors(entries, { format: 'pt', ...options.metadata });
}
