import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeBrowser, openPage, shot, type TestPage } from './browser';
import { type Served, serve } from './serve';

let server: Served;
let t: TestPage;

beforeAll(async () => {
  server = await serve('apps/trainer/dist');
  t = await openPage(server.url);
  // The four gzipped IDX files are fetched and parsed with readIdx before Train is enabled.
  await t.page.getByTestId('status').filter({ hasText: 'Data ready: 6000 training and 1000 test images' }).waitFor({ timeout: 60_000 });
});
afterAll(async () => {
  await t?.close();
  await closeBrowser();
  await server?.close();
});

it("is served cross-origin isolated (shared memory for the CPU kernels' worker threads)", async () => {
  expect(await t.page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
});

it('trains a few batches with a live chart, then shows the confusion matrix of the test set', async () => {
  const { page } = t;
  await page.selectOption('#train-size', '512');
  await page.selectOption('#epochs', '1');
  await page.selectOption('#batch', '64'); // 8 batches
  await page.click('#train');
  await page
    .getByTestId('status')
    .filter({ hasText: /^Done in/ })
    .waitFor({ timeout: 150_000 });
  const points = await page.locator('polyline[data-series="loss"]').getAttribute('points');
  expect(points!.trim().split(' ')).toHaveLength(8);
  expect(await page.locator('circle[data-series="test"]').count()).toBe(1);
  // Better than chance (10 %) after 8 batches; the matrix covers the 1000 test images.
  const accuracy = Number((await page.getByTestId('test-accuracy').textContent())!.replace('%', ''));
  expect(accuracy).toBeGreaterThan(20);
  const cells = await page.getByTestId('confusion').locator('tbody td').allTextContents();
  expect(cells).toHaveLength(100);
  expect(cells.reduce((s, c) => s + Number(c), 0)).toBe(1000);
  await shot(page, 'trainer');
  expect(t.errors).toEqual([]);
});

it('downloads the trained weights as safetensors', async () => {
  const { page } = t;
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  expect(download.suggestedFilename()).toBe('fashion-mnist-small-cnn.safetensors');
  const bytes = readFileSync((await download.path())!);
  // safetensors: an 8-byte little-endian header length, then a JSON header naming the tensors.
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  expect(Object.keys(header)).toEqual(
    expect.arrayContaining(['features.0.weight', 'features.1.running_mean', 'classifier.3.weight', 'classifier.3.bias']),
  );
  expect(t.errors).toEqual([]);
});
