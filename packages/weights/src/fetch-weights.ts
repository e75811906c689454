import { OptionError } from '@convkit/core';
import { cacheStorage, defaultCacheDir, directoryCache, isNode, type WeightsCache } from './cache';
import { FetchError, IntegrityError } from './errors';
import { hashPrefixFromFileName, sha256Hex } from './sha256';

export interface FetchProgress {
  /** Bytes received so far. */
  loaded: number;
  /** Content-Length, when the server sent one. */
  total: number | undefined;
  /** Average bytes per second since the request started. */
  rate: number;
}

export interface FetchWeightsOptions {
  /** Node: the cache directory (default `~/.cache/convkit`). `false` disables caching. */
  cacheDir?: string | false;
  /** Expected SHA-256 prefix (hex). Defaults to the one in a torchvision-style file name. */
  sha256Prefix?: string;
  /** Set false to skip the hash check even when the file name carries a hash. */
  verify?: boolean;
  /** Name for the cache entry and hash inference; defaults to the URL's last path segment. */
  fileName?: string;
  onProgress?: (event: FetchProgress) => void;
  signal?: AbortSignal;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

async function openCache(cacheDir: string | false | undefined): Promise<WeightsCache | undefined> {
  if (cacheDir === false) return undefined;
  if (isNode()) return directoryCache(cacheDir ?? (await defaultCacheDir()));
  return cacheStorage();
}

/**
 * Downloads weights with progress events, verifies their SHA-256 prefix and caches them. A cached
 * file that no longer matches its hash is discarded and downloaded again; a failed download
 * leaves no cache entry behind.
 */
export async function fetchWeights(url: string, options: FetchWeightsOptions = {}): Promise<Uint8Array> {
  const fileName = options.fileName ?? decodeURIComponent(new URL(url, 'http://x/').pathname.split('/').pop() || 'weights');
  const expected = options.verify === false ? undefined : (options.sha256Prefix ?? hashPrefixFromFileName(fileName))?.toLowerCase();
  if (expected !== undefined && !/^[0-9a-f]{1,64}$/.test(expected))
    throw new OptionError('fetchWeights: sha256Prefix', `must be hex digits, got '${expected}'`);
  const cache = await openCache(options.cacheDir);
  const cached = await cache?.get(url, fileName);
  if (cached) {
    if (!expected || (await sha256Hex(cached)).startsWith(expected)) return cached;
    await cache!.delete(url, fileName);
  }
  const bytes = await download(url, options);
  if (expected) {
    const actual = await sha256Hex(bytes);
    if (!actual.startsWith(expected)) throw new IntegrityError(`fetch ${url}`, expected, actual);
  }
  await cache?.put(url, fileName, bytes);
  return bytes;
}

async function download(url: string, options: FetchWeightsOptions): Promise<Uint8Array> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const started = Date.now();
  let response: Response;
  try {
    response = await fetchImpl(url, { signal: options.signal });
  } catch (cause) {
    throw new FetchError(url, `request failed: ${(cause as Error).message}`, { cause });
  }
  if (!response.ok) throw new FetchError(url, `HTTP ${response.status} ${response.statusText}`.trim(), { status: response.status });
  const header = response.headers.get('content-length');
  const total = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const report = () => options.onProgress?.({ loaded, total, rate: loaded / Math.max((Date.now() - started) / 1000, 1e-3) });
  try {
    if (!response.body) {
      const all = new Uint8Array(await response.arrayBuffer());
      chunks.push(all);
      loaded = all.byteLength;
      report();
    } else {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.byteLength;
        report();
      }
    }
  } catch (cause) {
    throw new FetchError(
      url,
      `connection lost after ${loaded}${total === undefined ? '' : ` of ${total}`} bytes: ${(cause as Error).message}`,
      { status: response.status, cause },
    );
  }
  if (total !== undefined && loaded !== total)
    throw new FetchError(url, `incomplete download: ${loaded} of ${total} bytes`, { status: response.status });
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(loaded);
  chunks.reduce((at, c) => (out.set(c, at), at + c.byteLength), 0);
  return out;
}
