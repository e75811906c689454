import { FormatError } from '@convkit/core';
import { gunzipSync } from 'fflate';

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Returns the bytes ungzipped when they are gzip, unchanged otherwise. fflate (not node:zlib)
 * so the same code runs in browsers, where `.gz` dataset files are fetched as plain bytes.
 */
export function maybeGunzip(bytes: Uint8Array, where: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (cause) {
    throw new FormatError(where, `gzip data is corrupt or truncated (${bytes.length} bytes): ${(cause as Error).message}`, { cause });
  }
}
