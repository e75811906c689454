/** Hex SHA-256 via WebCrypto, which Node 20 and every browser provide as `globalThis.crypto`. */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** torchvision names files `<arch>-<first 8+ hex digits of the SHA-256>.pth`. */
export function hashPrefixFromFileName(fileName: string): string | undefined {
  return /-([0-9a-f]{8,64})\.[a-z]+$/.exec(fileName)?.[1];
}
