import { sha256Hex } from './sha256';

/** Where downloaded weights are kept between runs. */
export interface WeightsCache {
  readonly location: string;
  get(url: string, fileName: string): Promise<Uint8Array | undefined>;
  put(url: string, fileName: string, bytes: Uint8Array): Promise<void>;
  delete(url: string, fileName: string): Promise<void>;
}

export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** `~/.cache/convkit` (or `$XDG_CACHE_HOME/convkit`) in Node. */
export async function defaultCacheDir(): Promise<string> {
  const { homedir } = await import('node:os');
  const { join } = await import('node:path');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'convkit');
}

async function entryName(url: string, fileName: string): Promise<string> {
  // The URL hash keeps equal file names from different hosts apart; the name keeps entries readable.
  return `${(await sha256Hex(url)).slice(0, 16)}-${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/** A directory cache. Entries appear atomically: written to a temp file, then renamed. */
export function directoryCache(dir: string): WeightsCache {
  return {
    location: dir,
    async get(url, fileName) {
      const { readFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      try {
        return new Uint8Array(await readFile(join(dir, await entryName(url, fileName))));
      } catch {
        return undefined;
      }
    },
    async put(url, fileName, bytes) {
      const { mkdir, writeFile, rename, rm } = await import('node:fs/promises');
      const { join } = await import('node:path');
      await mkdir(dir, { recursive: true });
      const path = join(dir, await entryName(url, fileName));
      const temp = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
      try {
        await writeFile(temp, bytes);
        await rename(temp, path);
      } catch (e) {
        await rm(temp, { force: true });
        throw e;
      }
    },
    async delete(url, fileName) {
      const { rm } = await import('node:fs/promises');
      const { join } = await import('node:path');
      await rm(join(dir, await entryName(url, fileName)), { force: true });
    },
  };
}

/** The browser's Cache Storage; a Response is stored only after it was fully read and verified. */
export function cacheStorage(name = 'convkit-weights'): WeightsCache | undefined {
  if (typeof caches === 'undefined') return undefined;
  return {
    location: `CacheStorage:${name}`,
    async get(url) {
      const hit = await (await caches.open(name)).match(url);
      return hit ? new Uint8Array(await hit.arrayBuffer()) : undefined;
    },
    async put(url, _fileName, bytes) {
      await (await caches.open(name)).put(url, new Response(bytes.slice().buffer));
    },
    async delete(url) {
      await (await caches.open(name)).delete(url);
    },
  };
}
