// The path of docs/guide/scale-out.md, step by step: train with PyTorch's DistributedDataParallel
// under torchrun (one process here, gloo), load its model.pth into convkit (same logits as
// PyTorch's), fine-tune a step in convkit, export to ONNX, serve it with onnxruntime-node and ask
// the server for the top class. The commands are the page's.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateDictError } from '@convkit/core';
import { torchAvailable } from '@convkit/test-utils/node';
import { createModel } from '@convkit/models';
import { exportOnnx } from '@convkit/onnx';
import { fit, SGD } from '@convkit/train';
import { loadWeights } from '@convkit/weights';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLASSES = ['blue', 'green', 'red']; // ImageFolder's labels: folder names in sorted order
const SIZE = 32;
const PER_CLASS = 4;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** An ImageFolder of PPM images (PIL reads them): each class's own channel bright, the others noise. */
function writeImageFolder(dir: string): { pixels: Uint8Array; labels: number[] } {
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 8) % 120;
  const count = CLASSES.length * PER_CLASS;
  const pixels = new Uint8Array(count * SIZE * SIZE * 3);
  const labels: number[] = [];
  CLASSES.forEach((name, label) => {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < PER_CLASS; i++) {
      const image = pixels.subarray(labels.length * SIZE * SIZE * 3, (labels.length + 1) * SIZE * SIZE * 3);
      image.forEach((_, k) => (image[k] = k % 3 === label ? 135 + noise() : noise()));
      writeFileSync(join(dir, name, `${i}.ppm`), Buffer.concat([Buffer.from(`P6\n${SIZE} ${SIZE}\n255\n`), image]));
      labels.push(label);
    }
  });
  return { pixels, labels };
}

/** torchvision's ToTensor + Normalize, in NHWC. */
const normalize = (pixels: Uint8Array, n: number) =>
  tf.tidy(() => tf.div(tf.sub(tf.div(tf.tensor4d(pixels, [n, SIZE, SIZE, 3], 'float32'), 255), MEAN), STD));

/** Starts the server on a free port; resolves with its URL from the line it prints. */
function startServer(model: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/scale-out/serve-onnx.mjs'), model, '--port', '0']);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`serve-onnx.mjs exited with ${code}: ${err}`)));
    child.stdout.on('data', (d) => {
      const url = String(d).match(/on (http:\/\/\S+)/)?.[1];
      if (url) resolve({ url, child });
    });
  });
}

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as { top?: number[]; logits?: number[][]; error?: string } };
};

interface Reference {
  numClasses: number;
  input: { shape: number[]; data: number[] };
  logits: { shape: number[]; data: number[] };
}

// Needs /usr/bin/python3 with torch and torchvision: skipped without them, except in CI where torchAvailable() throws.
describe.runIf(torchAvailable())('scale out: torchrun → convkit → ONNX server (needs PyTorch)', () => {
  let dir: string;
  let images: { pixels: Uint8Array; labels: number[] };
  let reference: Reference;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'convkit-scale-out-'));
    images = writeImageFolder(join(dir, 'data'));
    // The page's command on one CPU process; c10d on port 0 lets parallel runs pick their own port.
    execFileSync(
      '/usr/bin/python3',
      ['-m', 'torch.distributed.run', '--nnodes=1', '--nproc_per_node=1', '--rdzv_backend=c10d', '--rdzv_endpoint=localhost:0']
        .concat(['--redirects', '1', '--tee', '1', join(ROOT, 'scripts/scale-out/train_ddp.py')])
        .concat(['--data', join(dir, 'data'), '--out', join(dir, 'out'), '--arch', 'resnet18', '--batch-size', '12', '--steps', '5']),
      { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 },
    );
    reference = JSON.parse(readFileSync(join(dir, 'out/reference.json'), 'utf8'));
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  const referenceInput = () => tf.tidy(() => tf.transpose(tf.tensor(reference.input.data, reference.input.shape), [0, 2, 3, 1]));

  it("loads the DDP model.pth: the same logits as PyTorch's, no tensor left behind", async () => {
    expect(reference.numClasses).toBe(CLASSES.length);
    const model = createModel('resnet18', { numClasses: reference.numClasses });
    const before = tf.memory().numTensors;
    const x = referenceInput();
    const result = await loadWeights(model, join(dir, 'out/model.pth'));
    expect(result.loaded.length).toBe(122); // resnet18's state dict: 62 parameters, 60 BatchNorm buffers
    const logits = model.predict(x);
    const ours = Array.from(logits.dataSync());
    tf.dispose([x, logits]);
    expect(tf.memory().numTensors).toBe(before);

    const theirs = reference.logits.data;
    const scale = Math.max(...theirs.map(Math.abs));
    expect(ours).toHaveLength(theirs.length);
    ours.forEach((v, i) => expect(Math.abs(v - theirs[i])).toBeLessThan(1e-4 * scale));
    // Informative: the two samples' logits differ, so the convolutions matter to the result.
    const [a, b] = [theirs.slice(0, 3), theirs.slice(3)];
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeGreaterThan(1e-3 * scale);
    model.dispose();
  });

  it('a model with another number of classes is refused, naming fc.weight', async () => {
    const model = createModel('resnet18', { numClasses: 10 });
    const error = await loadWeights(model, join(dir, 'out/model.pth')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateDictError);
    expect((error as StateDictError).mismatched).toContainEqual({ key: 'fc.weight', expected: [10, 512], actual: [3, 512] });
    model.dispose();
  });

  describe('fine-tuned in convkit, exported to ONNX, served by onnxruntime-node', () => {
    let server: { url: string; child: ChildProcess } | undefined;
    afterAll(() => server?.child.kill());

    it("answers with convkit's top class", async () => {
      const model = createModel('resnet18', { numClasses: CLASSES.length });
      await loadWeights(model, join(dir, 'out/model.pth'));
      // One step on the head, as in the transfer-learning guide.
      model.freezeBackbone();
      const batch = { x: normalize(images.pixels, images.labels.length), y: tf.tensor1d(images.labels, 'int32') };
      const [conv1, fc] = ['conv1.weight', 'fc.weight'].map((k) => model.stateDict()[k].dataSync().slice());
      await fit(model, [batch], { epochs: 1, optimizer: new SGD(model.trainableParameters(), { lr: 0.001 }), disposeBatches: false });
      expect(model.stateDict()['conv1.weight'].dataSync()).toEqual(conv1);
      expect(model.stateDict()['fc.weight'].dataSync()).not.toEqual(fc);

      const file = join(dir, 'model.onnx');
      writeFileSync(file, await exportOnnx(model, { inputShape: [1, 3, SIZE, SIZE] }));
      server = await startServer(file);

      // The first image of each class, NCHW as the export takes it.
      const x = tf.gather(
        batch.x,
        CLASSES.map((_, c) => c * PER_CLASS),
      );
      const nchw = tf.transpose(x, [0, 3, 1, 2]);
      const logits = model.predict(x);
      const ours = Array.from(tf.argMax(logits, 1).dataSync());
      expect(new Set(ours).size).toBeGreaterThan(1); // an answer that depends on the image
      const { status, json } = await post(server.url, { shape: nchw.shape, data: Array.from(nchw.dataSync()) });
      expect(status).toBe(200);
      expect(json.top).toEqual(ours);
      const flat = json.logits!.flat();
      const scale = tf.max(tf.abs(logits)).dataSync()[0];
      Array.from(logits.dataSync()).forEach((v, i) => expect(Math.abs(v - flat[i])).toBeLessThan(1e-4 * scale));
      tf.dispose([x, nchw, logits, batch.x, batch.y]);
      model.dispose();
    });

    it('answers a tensor of the wrong size with 400 and what was expected', async () => {
      expect(server).toBeDefined();
      const wrong = await post(server!.url, { shape: [1, 3, SIZE, SIZE], data: [1, 2, 3] });
      expect(wrong.status).toBe(400);
      expect(wrong.json.error).toBe(`data must hold ${3 * SIZE * SIZE} numbers for shape [1,3,${SIZE},${SIZE}], got 3`);
      const channels = await post(server!.url, { shape: [1, 1, SIZE, SIZE], data: new Array(SIZE * SIZE).fill(0) });
      expect(channels.status).toBe(400);
      expect(channels.json.error).toContain('index: 1 Got: 1 Expected: 3'); // onnxruntime's own words
    });
  });
});
