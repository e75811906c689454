import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, Leaf, TinyNet } from './__fixtures__/tiny-net';
import { FetchError, IntegrityError } from './errors';
import { fetchWeights, type FetchProgress } from './fetch-weights';
import { loadWeights, type LoadProgress } from './load-weights';
import { tempDir } from '@convkit/test-utils/node';

const checkpoint = fixture('tiny-net.pth');
const hash = createHash('sha256').update(checkpoint).digest('hex');
const goodName = `tinynet-${hash.slice(0, 10)}.pth`;
const requests: Record<string, number> = {};
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    requests[path] = (requests[path] ?? 0) + 1;
    if (path === `/w/${goodName}` || path === '/w/liar-0123abcd.pth' || path === '/w/plain.pth') {
      // Two chunks with a pause, so progress is reported more than once.
      res.writeHead(200, { 'content-length': checkpoint.length });
      res.write(checkpoint.subarray(0, 1000));
      setTimeout(() => res.end(checkpoint.subarray(1000)), 20);
    } else if (path === '/w/cut.pth') {
      res.writeHead(200, { 'content-length': checkpoint.length });
      res.write(checkpoint.subarray(0, 1500), () => setTimeout(() => res.socket?.destroy(), 20));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const freshCache = () => tempDir('convkit-cache-');

describe('fetchWeights', () => {
  it('downloads with progress, checks the hash in the torchvision-style name, caches, then serves from cache', async () => {
    const cacheDir = freshCache();
    const events: FetchProgress[] = [];
    const bytes = await fetchWeights(`${base}/w/${goodName}`, { cacheDir, onProgress: (e) => events.push(e) });
    expect(bytes).toEqual(checkpoint);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.map((e) => e.loaded)).toEqual([...events.map((e) => e.loaded)].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ loaded: checkpoint.length, total: checkpoint.length });
    expect(events.at(-1)!.rate).toBeGreaterThan(0);
    const files = readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^[0-9a-f]{16}-${goodName}$`));
    const again = await fetchWeights(`${base}/w/${goodName}`, { cacheDir });
    expect(again).toEqual(checkpoint);
    expect(requests[`/w/${goodName}`]).toBe(1);
  });

  it('replaces a corrupted cache entry by downloading again', async () => {
    const cacheDir = freshCache();
    await fetchWeights(`${base}/w/${goodName}`, { cacheDir });
    const [entry] = readdirSync(cacheDir);
    writeFileSync(join(cacheDir, entry), 'garbage');
    const count = requests[`/w/${goodName}`];
    expect(await fetchWeights(`${base}/w/${goodName}`, { cacheDir })).toEqual(checkpoint);
    expect(requests[`/w/${goodName}`]).toBe(count + 1);
  });

  it('throws FetchError with the status on 404, and caches nothing', async () => {
    const cacheDir = freshCache();
    const error = await fetchWeights(`${base}/w/missing.pth`, { cacheDir }).catch((e) => e);
    expect(error).toBeInstanceOf(FetchError);
    expect(error.status).toBe(404);
    expect(error.message).toContain('HTTP 404');
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('throws FetchError when the connection is cut mid-download, leaving no half-written cache file', async () => {
    const cacheDir = freshCache();
    const error = await fetchWeights(`${base}/w/cut.pth`, { cacheDir }).catch((e) => e);
    expect(error).toBeInstanceOf(FetchError);
    expect(error.message).toMatch(/connection lost after \d+ of 4051 bytes|incomplete download/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('throws IntegrityError on a hash mismatch (from the file name or the option), caching nothing', async () => {
    const cacheDir = freshCache();
    const fromName = await fetchWeights(`${base}/w/liar-0123abcd.pth`, { cacheDir }).catch((e) => e);
    expect(fromName).toBeInstanceOf(IntegrityError);
    expect(fromName.expected).toBe('0123abcd');
    expect(fromName.actual).toBe(hash);
    const fromOption = await fetchWeights(`${base}/w/plain.pth`, { cacheDir, sha256Prefix: 'ffffffff' }).catch((e) => e);
    expect(fromOption).toBeInstanceOf(IntegrityError);
    expect(readdirSync(cacheDir)).toEqual([]);
    expect(await fetchWeights(`${base}/w/plain.pth`, { cacheDir, sha256Prefix: hash.slice(0, 8) })).toEqual(checkpoint);
  });

  it('throws FetchError when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(fetchWeights(`http://127.0.0.1:${port}/x.pth`, { cacheDir: false })).rejects.toThrow(FetchError);
  });
});

describe('loadWeights from a catalog entry', () => {
  it('fetches, verifies, caches and loads, reporting download then load progress', async () => {
    const cacheDir = freshCache();
    const model = new TinyNet();
    const before = tf.memory().numTensors;
    const phases: LoadProgress['phase'][] = [];
    const entry = { url: `${base}/w/${goodName}`, fileName: goodName, sha256Prefix: hash.slice(0, 10), numClasses: 5 };
    const result = await loadWeights(model, entry, { cacheDir, onProgress: (e) => phases.push(e.phase) });
    expect(result.loaded).toHaveLength(10);
    expect(phases[0]).toBe('download');
    expect(phases.at(-1)).toBe('load');
    expect(tf.memory().numTensors).toBe(before);
    expect(existsSync(join(cacheDir, readdirSync(cacheDir)[0]))).toBe(true);
    const bad = { ...entry, url: `${base}/w/plain.pth`, fileName: 'plain.pth', sha256Prefix: '00000000' };
    await expect(loadWeights(model, bad, { cacheDir })).rejects.toThrow(IntegrityError);
    model.dispose();
  });

  it("applies the entry's own ignore list (checkpoint keys the default model lacks)", async () => {
    const cacheDir = freshCache();
    const model = new TinyNet();
    // Strictly, a file with keys the model lacks is refused…
    model.setModule('fc', new Leaf({}));
    const entry = { url: `${base}/w/${goodName}`, fileName: goodName, sha256Prefix: hash.slice(0, 10) };
    await expect(loadWeights(model, entry, { cacheDir })).rejects.toThrow(/unexpected keys \(2\).*:\n {4}fc\.weight\n {4}fc\.bias$/);
    // …unless the catalog entry names them, as GoogLeNet's names its aux heads.
    const result = await loadWeights(model, { ...entry, ignore: ['fc'] }, { cacheDir });
    expect(result.ignored).toEqual(['fc.weight', 'fc.bias']);
    model.dispose();
  });
});
