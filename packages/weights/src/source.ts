import { OptionError, type WeightsEntry as CatalogEntry } from '@convkit/core';
import { isNode } from './cache';
import { fetchWeights, type FetchWeightsOptions } from './fetch-weights';
import { detectFormat, parseWeights } from './parse';
import { parseTfjsManifest, readManifestJson, type ShardLoader } from './tfjs-manifest';
import { asBytes, type WeightFile } from './weight-file';

/** What loading needs of an architecture's catalog entry (core's `WeightsEntry`): where, its hash, keys to skip. */
export type WeightsEntry = Pick<CatalogEntry, 'url'> & Partial<Pick<CatalogEntry, 'fileName' | 'sha256Prefix' | 'ignore'>>;

/** A path (Node), a URL, bytes, a Blob/File, or a catalog entry. */
export type WeightSource = string | URL | ArrayBuffer | ArrayBufferView | Blob | WeightsEntry;

export interface OpenWeightsOptions extends Omit<FetchWeightsOptions, 'fileName' | 'sha256Prefix'> {
  /** Name used in errors (defaults to the file name). */
  name?: string;
  /** Loads the shards of a tfjs model.json given as bytes (paths and URLs find them themselves). */
  loadShard?: ShardLoader;
}

const URL_LIKE = /^(https?|blob|data):/i;

/** Opens any weight source as a parsed file: fetches, reads from disk, sniffs the format. */
export async function openWeights(source: WeightSource, options: OpenWeightsOptions = {}): Promise<WeightFile> {
  const { bytes, name, loadShard } = await fetchSource(source, options);
  if (detectFormat(bytes) !== 'tfjs-manifest') return parseWeights(bytes, { name: options.name ?? name });
  const json = readManifestJson(bytes, options.name ?? name);
  const shards = options.loadShard ?? loadShard;
  if (!shards)
    throw new OptionError('loadWeights: loadShard', `${name} is a tfjs model.json given as bytes: pass loadShard(path) to read its shards`);
  return parseTfjsManifest(json, shards, options.name ?? name);
}

interface Fetched {
  bytes: Uint8Array;
  name: string;
  loadShard?: ShardLoader;
}

async function fetchSource(source: WeightSource, options: OpenWeightsOptions): Promise<Fetched> {
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return { bytes: asBytes(source), name: options.name ?? 'weights' };
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const name = (source as Partial<File>).name || 'blob';
    return { bytes: new Uint8Array(await source.arrayBuffer()), name };
  }
  if (source instanceof URL) return fetchUrl(source.href, options);
  if (typeof source === 'string') {
    if (URL_LIKE.test(source) || !isNode()) return fetchUrl(source, options);
    return readPath(source.startsWith('file:') ? (await import('node:url')).fileURLToPath(source) : source);
  }
  if (typeof source === 'object' && source !== null && typeof (source as WeightsEntry).url === 'string') {
    const entry = source as WeightsEntry;
    const fetched = await fetchUrl(entry.url, options, entry);
    return { ...fetched, name: entry.fileName ?? fetched.name };
  }
  throw new OptionError('loadWeights: source', 'expected a path, URL, ArrayBuffer, Uint8Array, Blob or a catalog entry {url, …}');
}

async function fetchUrl(url: string, options: OpenWeightsOptions, entry?: WeightsEntry): Promise<Fetched> {
  const bytes = await fetchWeights(url, { ...options, fileName: entry?.fileName, sha256Prefix: entry?.sha256Prefix });
  const base = typeof location !== 'undefined' ? location.href : undefined;
  const absolute = new URL(url, base).href;
  const name = decodeURIComponent(new URL(absolute).pathname.split('/').pop() || 'weights');
  // Shards sit next to model.json; they carry no hash of their own.
  const loadShard: ShardLoader = (path) => fetchWeights(new URL(path, absolute).href, { ...options, verify: false });
  return { bytes, name, loadShard };
}

async function readPath(path: string): Promise<Fetched> {
  const { readFile } = await import('node:fs/promises');
  const { basename, dirname, resolve } = await import('node:path');
  let buffer: Uint8Array;
  try {
    buffer = await readFile(path);
  } catch (cause) {
    throw new OptionError(`loadWeights: ${path}`, `cannot read the file: ${(cause as Error).message}`);
  }
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return { bytes, name: basename(path), loadShard: async (shard) => readFile(resolve(dirname(path), shard)) };
}
