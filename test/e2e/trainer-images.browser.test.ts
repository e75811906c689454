import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { IMAGENET_MEAN, IMAGENET_STD } from '@convkit/data';
import { createModel } from '@convkit/models';
import { checkModel, runOnnx } from '@convkit/test-utils/onnx';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { saveWeights } from '@convkit/weights';
import { closeBrowser, openPage, scratch, shot, type TestPage } from './browser';
import { type Served, serve } from './serve';

let server: Served;
let t: TestPage;

beforeAll(async () => {
  server = await serve('apps/trainer/dist');
  t = await openPage(`${server.url}images.html`);
  await t.page.getByTestId('status').filter({ hasText: 'Ready on cpu: add classes.' }).waitFor({ timeout: 60_000 });
});
afterAll(async () => {
  await t?.close();
  await closeBrowser();
  await server?.close();
});

type Rgb = [number, number, number];
const COLOURS: Record<string, Rgb> = { red: [210, 40, 40], green: [40, 190, 60], blue: [40, 60, 210] };

/** PNGs made in the page: `count` noisy patches of one colour (4×4 blocks, ±30 per channel), `w`×`h` pixels. */
async function pngs(page: Page, rgb: Rgb, count: number, noise = 60, w = 80, h = 60): Promise<Buffer[]> {
  const files = await page.evaluate(
    async ({ rgb, count, noise, w, h }) => {
      let seed = rgb[0] * 7 + rgb[1] * 13 + rgb[2] + count;
      const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      const out: number[][] = [];
      for (let k = 0; k < count; k++) {
        const canvas = new OffscreenCanvas(w, h);
        const ctx = canvas.getContext('2d')!;
        for (let y = 0; y < h; y += 4) {
          for (let x = 0; x < w; x += 4) {
            const [r, g, b] = rgb.map((v) => Math.round(Math.max(0, Math.min(255, v + noise * (random() - 0.5)))));
            ctx.fillStyle = `rgb(${r},${g},${b})`;
            ctx.fillRect(x, y, 4, 4);
          }
        }
        out.push([...new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer())]);
      }
      return out;
    },
    { rgb, count, noise, w, h },
  );
  return files.map((bytes) => Buffer.from(bytes));
}

/** A PNG that is only its IHDR and IEND chunks: a header declaring `width`×`height` RGB pixels. */
function pngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2], 8); // 8 bits, RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const asFiles = (buffers: Buffer[], prefix: string) =>
  buffers.map((buffer, i) => ({ name: `${prefix}-${i}.png`, mimeType: 'image/png', buffer }));
const card = (name: string) => t.page.getByTestId('class').nth(Object.keys(COLOURS).indexOf(name));
const counts = () => t.page.getByTestId('class-count').allTextContents();
/** Clicks Train and waits for the result line. */
async function trained(): Promise<string> {
  await t.page.click('#train');
  const result = t.page.getByTestId('train-result').filter({ hasText: /^Done in/ });
  await result.waitFor({ timeout: 150_000 });
  return (await result.textContent())!;
}
const ranked = () => t.page.getByTestId('ranked').locator('li').allTextContents();

it("is served cross-origin isolated (shared memory for the CPU kernels' worker threads)", async () => {
  expect(await t.page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
});

it('makes three classes and fills them from a file picker, a drop and the camera; refuses a file that is not an image', async () => {
  const { page } = t;
  for (const name of Object.keys(COLOURS)) {
    await page.fill('#class-name', name);
    await page.click('#add-class button');
  }
  await expect
    .poll(() => page.locator('input.class-name').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value)))
    .toEqual(['red', 'green', 'blue']);
  await card('red')
    .locator('input[type=file]')
    .setInputFiles(asFiles(await pngs(page, COLOURS.red, 5), 'red'));
  await card('blue')
    .locator('input[type=file]')
    .setInputFiles(asFiles(await pngs(page, COLOURS.blue, 5), 'blue'));
  // Chromium's fake camera (a test pattern): its first image of "green" (a training image: the 5th of a class is held out).
  await page.click('#camera');
  await expect
    .poll(() => page.evaluate(() => (document.getElementById('video') as HTMLVideoElement).videoWidth), { timeout: 20_000 })
    .toBeGreaterThan(0);
  await card('green').locator('button.capture').click();
  await expect.poll(counts).toEqual(['5 images', '1 image', '5 images']);

  // A real drop on the green card: files handed over in a DataTransfer.
  const green = (await pngs(page, COLOURS.green, 4)).map((b) => [...b]);
  const dataTransfer = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    files.forEach((bytes, i) => dt.items.add(new File([new Uint8Array(bytes)], `green-${i}.png`, { type: 'image/png' })));
    return dt;
  }, green);
  await card('green').locator('.drop').dispatchEvent('drop', { dataTransfer });
  await expect.poll(counts).toEqual(['5 images', '5 images', '5 images']);

  // Refused, and said so: a text file, and a PNG whose header declares 20000×20000 pixels (the
  // decoder's limit keeps the browser from allocating 1.6 GB for its bitmap).
  await card('red')
    .locator('input[type=file]')
    .setInputFiles([
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') },
      { name: 'huge.png', mimeType: 'image/png', buffer: pngHeader(20_000, 20_000) },
    ]);
  const refused = page.getByTestId('message');
  await expect
    .poll(() => refused.textContent())
    .toMatch(/^Not added — notes\.txt\b.*; huge\.png\b.*declares 20000×20000 = 400,000,000 pixels, more than the limit/);
  expect(await counts()).toEqual(['5 images', '5 images', '5 images']);
  await shot(page, 'trainer-images-classes');
  expect(t.errors).toEqual([]);
});

it('trains the head of a frozen resnet18 at 64 px with a live chart; the held-out accuracy shown is high', async () => {
  const { page } = t;
  await page.selectOption('#backbone', 'resnet18');
  await page.selectOption('#size', '64');
  await trained();
  // 4 training images per class (the 5th is held out): 12 images, one batch of 16, per epoch; 20 epochs.
  expect(await page.getByTestId('train-result').textContent()).toMatch(/held-out accuracy [\d.]+ % on 3 images/);
  const points = await page.locator('polyline[data-series="loss"]').getAttribute('points');
  expect(points!.trim().split(' ')).toHaveLength(20);
  expect(await page.locator('circle[data-series="test"]').count()).toBe(20);
  expect(Number((await page.getByTestId('accuracy').textContent())!.replace('%', ''))).toBeGreaterThanOrEqual(99);
  expect(t.errors).toEqual([]);
});

/** Clicks a download button; the file's name and bytes. */
async function fetch(button: string): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([t.page.waitForEvent('download', { timeout: 120_000 }), t.page.click(button)]);
  return { name: download.suggestedFilename(), bytes: readFileSync((await download.path())!) };
}

/** One tensor's raw bytes in a safetensors file. */
function tensorBytes(file: Buffer, key: string): Buffer {
  const length = Number(file.readBigUInt64LE(0));
  const [from, to] = JSON.parse(file.subarray(8, 8 + length).toString('utf8'))[key].data_offsets;
  return file.subarray(8 + length + from, 8 + length + to);
}

/** The overlay canvas's pixels: how many distinct colours it has. */
const overlayColours = () =>
  t.page.evaluate(() => {
    const canvas = document.getElementById('overlay') as HTMLCanvasElement;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return { width: canvas.width, colours: seen.size };
  });

it('classifies a new image: the right class first, and the Grad-CAM overlay drawn over it', async () => {
  const { page } = t;
  // One flat colour (no noise): whatever varies on the canvas comes from the heatmap.
  const [file] = asFiles(await pngs(page, COLOURS.red, 1, 0, 96, 96), 'new-red');
  await page.setInputFiles('#classify-file', file);
  await page.getByTestId('status').filter({ hasText: 'classified new-red-0.png' }).waitFor({ timeout: 60_000 });
  const lines = await ranked();
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(/^\s*[\d.]+ % {2}red$/);
  const { width, colours } = await overlayColours();
  expect(width).toBe(64);
  expect(colours).toBeGreaterThan(10);
  await shot(page, 'trainer-images-classified');
  expect(t.errors).toEqual([]);
});

it('downloads the weights (safetensors, class names in its metadata), the ONNX model and the class names', async () => {
  const weights = await fetch('#download-safetensors');
  expect(weights.name).toBe('resnet18-your-images.safetensors');
  // safetensors: an 8-byte little-endian header length, then a JSON header naming the tensors.
  const headerLength = Number(weights.bytes.readBigUInt64LE(0));
  const header = JSON.parse(weights.bytes.subarray(8, 8 + headerLength).toString('utf8'));
  expect(header['fc.weight'].shape).toEqual([3, 512]); // PyTorch's [out, in]
  expect(header['fc.bias'].shape).toEqual([3]);
  expect(Object.keys(header)).toContain('layer4.1.bn2.running_var');
  expect(JSON.parse(header.__metadata__.classes)).toEqual(['red', 'green', 'blue']);

  const classes = await fetch('#download-classes');
  expect(classes.name).toBe('resnet18-your-images.classes.json');
  expect(JSON.parse(classes.bytes.toString('utf8'))).toEqual(['red', 'green', 'blue']);

  const onnx = await fetch('#download-onnx');
  expect(onnx.name).toBe('resnet18-your-images.onnx');
  expect(onnx.bytes.length).toBeGreaterThan(1e6);
  checkModel(new Uint8Array(onnx.bytes)); // onnx's own checker (python3-onnx)
  // onnxruntime on a flat blue image, standardized as the page does: "blue" wins.
  const blue = COLOURS.blue.map((v, c) => (v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c]);
  const x = tf.tidy(() => tf.transpose(tf.mul(tf.ones([1, 64, 64, 3]), tf.tensor1d(blue)), [0, 3, 1, 2]));
  const out = await runOnnx(new Uint8Array(onnx.bytes), x);
  expect(out.shape).toEqual([1, 3]);
  expect(tf.argMax(out, 1).dataSync()[0]).toBe(2);
  tf.dispose([x, out]);
  expect(t.errors).toEqual([]);
});

it('after a reload: the classes, their images and the trained model are back; classifying needs no training', async () => {
  const { page } = t;
  const result = await page.getByTestId('train-result').textContent();
  await page.reload();
  await page
    .getByTestId('status')
    .filter({ hasText: /^Restored 3 classes, 15 images and the trained resnet18 \(red, green, blue\)/ })
    .waitFor({ timeout: 60_000 });
  expect(await counts()).toEqual(['5 images', '5 images', '5 images']);
  expect(await page.locator('.thumbs img').count()).toBe(15);
  expect(await page.getByTestId('train-result').textContent()).toBe(result);
  expect(await page.locator('polyline[data-series="loss"]').getAttribute('points')).toBe('');
  const [file] = asFiles(await pngs(page, COLOURS.blue, 1, 30, 70, 90), 'new-blue');
  await page.setInputFiles('#classify-file', file);
  await page.getByTestId('status').filter({ hasText: 'classified new-blue-0.png' }).waitFor({ timeout: 60_000 });
  expect((await ranked())[0]).toMatch(/ {2}blue$/);
  expect((await overlayColours()).colours).toBeGreaterThan(10);
  await shot(page, 'trainer-images-restored');
  expect(t.errors).toEqual([]);
});

it('takes a backbone checkpoint picked from disk (refusing one that does not fit), trains on it, then fine-tunes the whole model', async () => {
  const { page } = t;
  const dir = scratch();
  writeFileSync(join(dir, 'notes.pth'), 'not a checkpoint');
  await page.setInputFiles('#weights-file', join(dir, 'notes.pth'));
  await expect.poll(() => page.getByTestId('message').textContent()).toMatch(/^Could not load notes\.pth into resnet18: /);

  // A resnet18 checkpoint with a 1000-class head, as torchvision's (other weights: seed 3).
  const model = createModel('resnet18', { seed: 3 });
  const checkpoint = Buffer.from(saveWeights(model));
  model.dispose();
  writeFileSync(join(dir, 'resnet18-seed3.safetensors'), checkpoint);
  await page.setInputFiles('#weights-file', join(dir, 'resnet18-seed3.safetensors'));
  await page.getByTestId('status').filter({ hasText: 'resnet18-seed3.safetensors: 122 tensors loaded into resnet18.' }).waitFor();
  expect(await page.getByTestId('weights-state').textContent()).toBe('Backbone weights: resnet18-seed3.safetensors');

  // Frozen: the downloaded backbone is the checkpoint's, bit for bit (running statistics included).
  expect(await trained()).toMatch(/held-out accuracy/);
  const frozen = (await fetch('#download-safetensors')).bytes;
  for (const key of ['layer1.0.conv1.weight', 'layer4.1.bn2.running_var'])
    expect(tensorBytes(frozen, key).equals(tensorBytes(checkpoint, key))).toBe(true);
  expect(tensorBytes(frozen, 'fc.weight').length).toBe(3 * 512 * 4);

  // Fine-tuning moves the backbone too.
  await page.check('#fine-tune');
  await page.selectOption('#epochs', '5');
  expect(await trained()).toMatch(/held-out accuracy/);
  const tuned = (await fetch('#download-safetensors')).bytes;
  expect(tensorBytes(tuned, 'layer1.0.conv1.weight').equals(tensorBytes(checkpoint, 'layer1.0.conv1.weight'))).toBe(false);
  await shot(page, 'trainer-images-fine-tuned');
  expect(t.errors).toEqual([]);
});
