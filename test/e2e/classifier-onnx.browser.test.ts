// The classifier app with a model dropped as an .onnx file: a torchvision resnet18 exported by
// Debian's torch at test time (scripts/fixtures/onnx-import.py, 1000 classes so ImageNet's labels
// show, 64 px), imported in the page and classified there to onnxruntime-node's top-5.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { centerCrop, compose, IMAGENET_CLASSES, IMAGENET_MEAN, IMAGENET_STD, normalize, resize, toTensor } from '@convkit/data';
import { torchAvailable } from '@convkit/test-utils/node';
import { runOnnx } from '@convkit/test-utils/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleImage } from '../../apps/classifier/src/sample-image';
import { torchExport } from '../../packages/onnx/src/import/torch-fixture';
import { closeBrowser, openPage, scratch, shot, type TestPage } from './browser';
import { type Served, serve } from './serve';

const ROOT = new URL('../..', import.meta.url).pathname;
const SIZE = 64;

/** resnet18 exported with BatchNorm kept (TrainingMode.PRESERVE), cached like the importer's fixtures. */
function torchvisionExport(): string {
  const dir = join(ROOT, '.cache', 'onnx-import');
  const stem = `resnet18-13-preserve-imagenet-${SIZE}px`;
  const file = join(dir, `${stem}.onnx`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const out = mkdtempSync(join(dir, '.tmp-'));
    try {
      const flags = ['--opset', '13', '--preserve', '--classes', '1000', '--size', String(SIZE), '--out', out, '--stem', stem];
      execFileSync('/usr/bin/python3', [join(ROOT, 'scripts/fixtures/onnx-import.py'), 'resnet18', ...flags], { stdio: 'ignore' });
      renameSync(join(out, `${stem}.onnx`), file); // whole or not at all: parallel runs may ask for it
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  return file;
}

/** The top-5 of onnxruntime-node on the page's input rebuilt in Node: the sample through ImageNet's eval transforms at 64 px (resize 73, crop 64). */
async function onnxruntimeTop5(bytes: Uint8Array, names: readonly string[]): Promise<{ percent: number; name: string }[]> {
  const pipeline = compose([resize(Math.round(SIZE / 0.875)), centerCrop(SIZE), normalize(IMAGENET_MEAN, IMAGENET_STD)]);
  const x = tf.tidy(() => tf.transpose(pipeline(toTensor(sampleImage())), [0, 3, 1, 2]));
  const out = await runOnnx(bytes, x);
  const logits = Array.from(await out.data());
  tf.dispose([x, out]);
  const max = Math.max(...logits);
  const exp = logits.map((v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp
    .map((e, i) => ({ percent: (100 * e) / sum, name: names[i] }))
    .sort((a, b) => b.percent - a.percent)
    .slice(0, 5);
}

let server: Served;
let t: TestPage;
let model: string;

describe.runIf(torchAvailable())('classifier app with a dropped .onnx model', () => {
  beforeAll(async () => {
    model = torchvisionExport();
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
  const shown = async () =>
    (await top5().allTextContents()).map((line) => {
      const [, percent, name] = /^\s*([\d.]+) % {2}(.+)$/.exec(line)!;
      return { percent: Number(percent), name };
    });

  it("imports a torchvision export, says what it is, and classifies the sample as onnxruntime does, with ImageNet's labels", async () => {
    const { page } = t;
    const file = join(scratch(), 'resnet18.onnx');
    writeFileSync(file, readFileSync(model));
    await page.setInputFiles('#weights-file', file);
    await expect.poll(() => page.getByTestId('weights-state').textContent(), { timeout: 60_000 }).toMatch(/^ONNX model resnet18\.onnx: /);
    // torchvision's published parameter count of resnet18 (the BatchNorm statistics are buffers).
    expect(await page.getByTestId('weights-state').textContent()).toContain(
      "11,689,512 parameters, input 3×64×64, 1000 classes, ImageNet's labels.",
    );
    expect(await page.locator('#model option:checked').textContent()).toBe('resnet18.onnx (imported ONNX)');
    await page.click('#sample');
    await page
      .getByTestId('status')
      .filter({ hasText: /^predicted in \d+ ms per image on cpu/ })
      .waitFor({ timeout: 60_000 });

    const ranked = await onnxruntimeTop5(readFileSync(model), IMAGENET_CLASSES);
    const page5 = await shown();
    console.log(
      `top-1 in the page: ${page5[0].name} ${page5[0].percent} %; onnxruntime-node: ${ranked[0].name} ${ranked[0].percent.toFixed(4)} %`,
    );
    expect(page5).toHaveLength(5);
    expect(page5[0].name).toBe(ranked[0].name);
    page5.forEach((p, i) => expect(Math.abs(p.percent - ranked[i].percent)).toBeLessThan(0.006)); // shown to 2 decimals
    expect(await page.getByTestId('top5').textContent()).not.toContain('random weights');
    expect(await page.getByTestId('cam-caption').textContent()).toBe('no Grad-CAM: not available for imported ONNX models');
    await shot(page, 'classifier-onnx');
    expect(t.errors).toEqual([]);
  });

  it('runs the imported model on WebGL too: the same top-5', async () => {
    const { page } = t;
    const onCpu = await shown();
    await page.selectOption('#backend', 'webgl');
    await page
      .getByTestId('status')
      .filter({ hasText: /^predicted in \d+ ms per image on webgl$/ })
      .waitFor({ timeout: 60_000 });
    const onWebgl = await shown();
    expect(onWebgl.map((p) => p.name)).toEqual(onCpu.map((p) => p.name));
    onWebgl.forEach((p, i) => expect(Math.abs(p.percent - onCpu[i].percent)).toBeLessThanOrEqual(0.01));
    await page.selectOption('#backend', 'cpu');
    await page
      .getByTestId('status')
      .filter({ hasText: /on cpu/ })
      .waitFor({ timeout: 30_000 });
    expect(t.errors).toEqual([]);
  });

  it('a corrupt .onnx file is refused in the banner, and the imported model stays', async () => {
    const { page } = t;
    const file = join(scratch(), 'broken.onnx');
    writeFileSync(file, readFileSync(model).subarray(0, 200_000)); // cut inside the weights
    await page.setInputFiles('#weights-file', file);
    await expect
      .poll(() => page.getByTestId('weights-state').textContent(), { timeout: 30_000 })
      .toMatch(/^Could not import broken\.onnx: not a valid ONNX protobuf .+ — the page keeps resnet18\.onnx\.$/);
    await page.getByTestId('status').filter({ hasText: 'resnet18.onnx ready on cpu' }).waitFor({ timeout: 10_000 });
    await shot(page, 'classifier-onnx-corrupt');
    expect(t.errors).toEqual([]);
  });

  it('a 10-class export shows class indices, ranked as onnxruntime ranks them', async () => {
    const { page } = t;
    const ten = torchExport('resnet18', { opset: 13, preserve: true }); // 10 classes, 64 px
    const file = join(scratch(), 'ten-classes.onnx');
    writeFileSync(file, ten.bytes);
    ten.dispose();
    await page.setInputFiles('#weights-file', file);
    await expect
      .poll(() => page.getByTestId('weights-state').textContent(), { timeout: 60_000 })
      .toMatch(/^ONNX model ten-classes\.onnx: 11,181,642 parameters, input 3×64×64, 10 classes, shown by index\./); // 11,689,512 − 513,000 + 5,130
    await page
      .getByTestId('status')
      .filter({ hasText: /^predicted in \d+ ms per image on cpu/ })
      .waitFor({ timeout: 60_000 });
    const ranked = await onnxruntimeTop5(
      ten.bytes,
      Array.from({ length: 10 }, (_, i) => `class ${i}`),
    );
    const page5 = await shown();
    expect(page5.map((p) => p.name)).toEqual(ranked.map((p) => p.name));
    page5.forEach((p, i) => expect(Math.abs(p.percent - ranked[i].percent)).toBeLessThan(0.006));
    expect(t.errors).toEqual([]);
  });
});
