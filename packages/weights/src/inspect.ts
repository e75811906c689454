import { FormatError } from '@convkit/core';
import { detectFormat, parseWeights } from './parse';
import { encodeSafetensors } from './safetensors-write';
import { planTfjsManifest } from './tfjs-manifest';
import { asBytes, numel, type WeightFormat } from './weight-file';
import { ITEM_SIZE, type SourceDType } from './dtypes';

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
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (cause) {
      throw new FormatError(name, `not valid JSON (${(cause as Error).message})`);
    }
    const { weights } = planTfjsManifest(json, name);
    const tensors = weights.map((w) => ({ key: w.key, dtype: w.stored, shape: w.shape }));
    return {
      format: 'tfjs-manifest',
      metadata: {},
      tensors,
      totalBytes: tensors.reduce((n, t) => n + numel(t.shape) * ITEM_SIZE[t.dtype], 0),
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
