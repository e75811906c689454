import { FormatError } from '@convkit/core';
import { parsePth } from './pth';
import { parseSafetensors } from './safetensors-read';
import { asBytes, type WeightFile, type WeightFormat } from './weight-file';

/**
 * Tells the format from the first bytes: a zip (`PK\x03\x04`, torch.save), safetensors (u64
 * header length whose top bytes are zero, then `{`), or JSON text (a tfjs model.json).
 */
export function detectFormat(input: ArrayBuffer | ArrayBufferView): WeightFormat | undefined {
  const b = asBytes(input);
  if (b.byteLength >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6)) return 'pth';
  // JSON text never contains NUL bytes, so a zero top half of the length settles safetensors vs JSON.
  if (b.byteLength >= 9 && b[8] === 0x7b && b[5] === 0 && b[6] === 0 && b[7] === 0) return 'safetensors';
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.byteLength && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  if (b[i] === 0x7b) return 'tfjs-manifest';
  return undefined;
}

function describe(b: Uint8Array): string {
  return [...b.subarray(0, 8)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Parses a binary weights file (safetensors or torch.save zip) from memory. */
export function parseWeights(input: ArrayBuffer | ArrayBufferView, options: { name?: string } = {}): WeightFile {
  const bytes = asBytes(input);
  const name = options.name ?? 'weights';
  const format = detectFormat(bytes);
  if (format === 'pth') return parsePth(bytes, name);
  if (format === 'safetensors') return parseSafetensors(bytes, name);
  if (format === 'tfjs-manifest') {
    throw new FormatError(name, 'this is a JSON file (a tfjs model.json?): read it with parseTfjsManifest(json, loadShard) or loadWeights');
  }
  if (bytes[0] === 0x80 && bytes.byteLength > 1 && bytes[1] <= 5) {
    throw new FormatError(
      `${name}@0`,
      'a bare pickle (legacy torch.save format before PyTorch 1.6) is not supported: re-save it with a recent torch.save',
    );
  }
  throw new FormatError(
    `${name}@0`,
    `unknown weights format (first bytes ${describe(bytes)}); expected safetensors, a torch.save zip (.pth) or a tfjs model.json`,
  );
}
