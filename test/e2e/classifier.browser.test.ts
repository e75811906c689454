import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { centerCrop, compose, IMAGENET_CLASSES, IMAGENET_MEAN, IMAGENET_STD, normalize, resize, toTensor } from '@convkit/data';
import { createModel } from '@convkit/models';
import { checkOnnxFile, runOnnx } from '@convkit/test-utils/onnx';
import { saveWeights } from '@convkit/weights';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sampleImage } from '../../apps/classifier/src/sample-image';
import { blackPng } from '../../packages/data/src/__fixtures__/black-png';
import { closeBrowser, openPage, scratch, shot, type TestPage } from './browser';
import { type Served, serve } from './serve';

let server: Served;
let t: TestPage;

beforeAll(async () => {
  server = await serve('apps/classifier/dist');
  t = await openPage(server.url);
  await t.page.getByTestId('status').filter({ hasText: 'resnet18 ready' }).waitFor({ timeout: 90_000 });
});
afterAll(async () => {
  await t?.close();
  await closeBrowser();
  await server?.close();
});

const top5 = () => t.page.getByTestId('top5').locator('li:not(.hint)');

it('starts with a randomly initialised resnet18, says so, and shows its summary', async () => {
  const { page } = t;
  expect(await page.locator('#model option').count()).toBeGreaterThanOrEqual(22); // listModels()
  await expect.poll(() => page.getByTestId('weights-state').textContent()).toMatch(/^Random initialisation/);
  expect(await page.getByTestId('summary-totals').textContent()).toContain('total 11,689,512 parameters');
  expect(
    await page
      .getByTestId('summary')
      .locator('td', { hasText: /^layer4$/ })
      .count(),
  ).toBe(1);
  expect(t.errors).toEqual([]);
});

it('classifies a dropped image: five classes with probabilities', async () => {
  const { page } = t;
  // A real drop: a PNG made in the page, handed over in a DataTransfer.
  const dataTransfer = await page.evaluateHandle(async () => {
    const canvas = new OffscreenCanvas(96, 64);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#c33';
    ctx.fillRect(0, 0, 96, 64);
    ctx.fillStyle = '#33c';
    ctx.fillRect(24, 16, 48, 32);
    const file = new File([await canvas.convertToBlob({ type: 'image/png' })], 'square.png', { type: 'image/png' });
    const dt = new DataTransfer();
    dt.items.add(file);
    return dt;
  });
  await page.dispatchEvent('#image-drop', 'drop', { dataTransfer });
  await page.getByTestId('status').filter({ hasText: 'predicted in' }).waitFor({ timeout: 60_000 });
  await expect.poll(() => top5().count()).toBe(5);
  const percents = (await top5().allTextContents()).map((s) => Number(s.trim().split(' ')[0]));
  expect(percents.every((p) => p > 0 && p <= 100)).toBe(true);
  expect([...percents].sort((a, b) => b - a)).toEqual(percents);
  expect(await page.getByTestId('top5').textContent()).toContain('random weights');
  expect(t.errors).toEqual([]);
});

/** Distinct colours of a canvas, read in the page. */
const colours = (id: string) =>
  t.page.evaluate((testId) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${testId}"]`)!;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return { width: canvas.width, height: canvas.height, distinct: seen.size };
  }, id);

it("shows the top class's Grad-CAM over the crop beside the top-5, and a layer's feature maps on request", async () => {
  const { page } = t;
  await expect.poll(() => page.getByTestId('cam-caption').textContent(), { timeout: 60_000 }).toMatch(/^Grad-CAM of “.+” at layer4$/);
  // The dropped picture is two flat colours: the many colours on the canvas are the heatmap's.
  const cam = await colours('cam');
  expect([cam.width, cam.height]).toEqual([224, 224]);
  expect(cam.distinct).toBeGreaterThan(50);
  await page.selectOption('#fm-layer', 'layer1');
  await page.click('#fm-show');
  await expect.poll(() => page.getByTestId('fm-caption').textContent(), { timeout: 60_000 }).toMatch(/^layer1: 64 of 64 channels/);
  const grid = await colours('feature-maps');
  // 8×8 tiles of 40 pixels with 1-pixel gaps.
  expect([grid.width, grid.height]).toEqual([327, 327]);
  expect(grid.distinct).toBeGreaterThan(10);
  await shot(page, 'classifier-explain');
  expect(t.errors).toEqual([]);
});

it('is served cross-origin isolated, so the CPU kernels run on every core; the status line says so', async () => {
  const { page } = t;
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  // The status of the previous test's prediction: ms per image, backend, threads.
  const [, ms, threads] =
    /^predicted in (\d+) ms per image on cpu, (\d+) threads?$/.exec((await page.getByTestId('status').textContent())!) ?? [];
  expect(Number(ms)).toBeGreaterThan(0);
  expect(cores).toBeGreaterThan(1);
  expect(Number(threads)).toBe(Math.min(cores, 16)); // the calling thread plus a helper per other core
  expect(t.errors).toEqual([]);
});

it('loads a safetensors file given through the file input', async () => {
  const { page } = t;
  const model = createModel('resnet18', { seed: 3 });
  const file = join(scratch(), 'resnet18-seed3.safetensors');
  writeFileSync(file, saveWeights(model));
  model.dispose();
  await page.setInputFiles('#weights-file', file);
  await expect
    .poll(() => page.getByTestId('weights-state').textContent(), { timeout: 60_000 })
    .toMatch(/^Weights loaded: 122 tensors from a safetensors file/);
  await page.getByTestId('status').filter({ hasText: 'predicted in' }).waitFor({ timeout: 60_000 });
  expect(await page.getByTestId('top5').textContent()).not.toContain('random weights');
  await shot(page, 'classifier');
  expect(t.errors).toEqual([]);
});

it('exports the model with its loaded weights as ONNX: a valid file that onnxruntime runs to the top-5 the page shows', async () => {
  const { page } = t;
  const downloaded = page.waitForEvent('download', { timeout: 120_000 });
  await page.click('#sample'); // queued: the export starts once the sample's prediction is shown
  await page.click('#export-onnx');
  const download = await downloaded;
  expect(download.suggestedFilename()).toBe('resnet18.onnx');
  const path = join(scratch(), 'resnet18.onnx');
  await download.saveAs(path);
  await page
    .getByTestId('status')
    .filter({ hasText: /^exported resnet18\.onnx \(\d+\.\d MB, input \[batch, 3, 224, 224\]\)$/ })
    .waitFor({ timeout: 30_000 });
  checkOnnxFile(path);

  // The page's input rebuilt in Node: the same generated image through resnet18's eval transforms.
  const pipeline = compose([resize(256), centerCrop(224), normalize(IMAGENET_MEAN, IMAGENET_STD)]);
  const x = tf.tidy(() => tf.transpose(pipeline(toTensor(sampleImage())), [0, 3, 1, 2]));
  const out = await runOnnx(readFileSync(path), x);
  const logits = await out.data();
  tf.dispose([x, out]);
  expect(out.shape).toEqual([1, 1000]);
  const max = Math.max(...logits);
  const exp = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  const ranked = exp
    .map((e, i) => ({ percent: (100 * e) / sum, name: IMAGENET_CLASSES[i] }))
    .sort((a, b) => b.percent - a.percent)
    .slice(0, 5);

  const shown = (await top5().allTextContents()).map((line) => {
    const [, percent, name] = /^\s*([\d.]+) % {2}(.+)$/.exec(line)!;
    return { percent: Number(percent), name };
  });
  expect(shown).toHaveLength(5);
  expect(shown[0].name).toBe(ranked[0].name);
  expect(new Set(shown.map((p) => p.name))).toEqual(new Set(ranked.map((p) => p.name)));
  shown.forEach((p, i) => expect(Math.abs(p.percent - ranked[i].percent)).toBeLessThan(0.006)); // shown to 2 decimals
  expect(t.errors).toEqual([]);
});

it('a file that is not a checkpoint is refused in the banner, not with a crash', async () => {
  const { page } = t;
  const file = join(scratch(), 'notes.pth');
  writeFileSync(file, 'not a checkpoint');
  await page.setInputFiles('#weights-file', file);
  await expect.poll(() => page.getByTestId('weights-state').textContent(), { timeout: 30_000 }).toMatch(/^Could not load notes\.pth: /);
  expect(t.errors).toEqual([]);
});

it('an image whose header declares 20000×20000 pixels is refused at once, in the status line', async () => {
  const { page } = t;
  const file = join(scratch(), 'bomb.png');
  writeFileSync(file, blackPng(20000, 20000, 1));
  const started = Date.now();
  await page.setInputFiles('#image-file', file);
  await page.getByTestId('status').filter({ hasText: 'more than the limit 89,478,485' }).waitFor({ timeout: 10_000 });
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(await page.getByTestId('status').textContent()).toContain('bomb.png: declares 20000×20000 = 400,000,000 pixels');
  expect(t.errors).toEqual([]);
});

it('switches to mobilenet_v3_large: its summary, then the image on screen classified again', async () => {
  const { page } = t;
  await page.selectOption('#model', 'mobilenet_v3_large');
  // Building the model puts its summary up, then the page classifies the image it shows.
  await expect.poll(() => page.getByTestId('summary-totals').textContent(), { timeout: 90_000 }).toContain('total 5,483,032 parameters');
  await page.getByTestId('status').filter({ hasText: 'predicted in' }).waitFor({ timeout: 60_000 });
  await expect.poll(() => top5().count()).toBe(5);
  expect(t.errors).toEqual([]);
});

it('measures the latency per backend: cpu first, then WebGL starts', async () => {
  const { page } = t;
  await page.click('#bench');
  // ResNet18 at 224×224 on SwiftShader's WebGL takes minutes (shader compilation on two CPU
  // cores), so the test checks the CPU row and that WebGL really became the active backend.
  await page.getByTestId('status').filter({ hasText: 'measuring on webgl' }).waitFor({ timeout: 60_000 });
  const first = await page.getByTestId('latency').locator('tbody tr').first().textContent();
  expect(first).toMatch(/^cpu\d+\.\d\d+\.\d$/);
  await shot(page, 'classifier-latency');
  expect(t.errors).toEqual([]);
});
