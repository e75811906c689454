import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { centerCrop, compose, IMAGENET_MEAN, IMAGENET_STD, normalize, resize, toTensor } from '@convkit/data';
import { decodeImage } from '@convkit/data/node';
import { createModel } from '@convkit/models';
import { exportOnnx } from '@convkit/onnx';
import { runOnnx, toNchw } from '@convkit/test-utils/onnx';
import { tempDir, torchAvailable } from '@convkit/test-utils/node';
import { loadWeights } from '@convkit/weights';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TorchExport, torchExport } from '../../onnx/src/import/torch-fixture';
import { makeImageFolder, SHAPE_CLASSES } from './__fixtures__/make-image-folder';
import { onnxClassifier } from './onnx-classifier';
import { readOnnxFile } from './onnx-model-input';

// The CLI on an ONNX file: torchvision's resnet18 (10 classes, 64 px, BatchNorm kept) exported
// by PyTorch; references from PyTorch (state dict, parameter count) and onnxruntime-node (logits).

const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const convkit = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const top1 = (stdout: string) =>
  [...stdout.matchAll(/^\s+([\d.]+)%\s+(\S+) \((\d+)\)$/gm)].map((m) => ({ p: Number(m[1]), name: m[2], index: Number(m[3]) }));

let dir: string;
let shapes: string;
let model: string;
let ref: TorchExport;

describe.runIf(torchAvailable())('convkit with an .onnx model', () => {
  beforeAll(() => {
    dir = tempDir('convkit-onnx-input-');
    ref = torchExport('resnet18', { preserve: true });
    model = join(dir, 'resnet18.onnx');
    writeFileSync(model, ref.bytes);
    shapes = join(dir, 'shapes');
    makeImageFolder(shapes, { perClass: 40, seed: 1 });
  });
  afterAll(() => ref?.dispose());
  const probes = () => SHAPE_CLASSES.flatMap((c) => [join(shapes, c, '036.png'), join(shapes, c, '039.jpg')]);

  it('summary: opset, inputs and outputs, and the parameters under their torchvision names (11,181,642, as torchvision counts)', () => {
    const r = convkit('summary', model);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/resnet18\.onnx: ONNX opset 13 \(IR \d+, producer pytorch /);
    expect(r.stdout).toContain('inputs: input float32 [batch, 3, 64, 64]');
    expect(r.stdout).toContain('outputs: output float32 [batch, 10]');
    expect(r.stdout).toContain('Total params: 11,181,642');
    expect(r.stdout).toMatch(/^layer1\.0\.conv1\.weight\s+\[64, 64, 3, 3\]\s+36,864$/m);
    expect(r.stdout).toMatch(/^fc\.weight\s+\[10, 512\]\s+5,120$/m);
  });

  it('predict: eval transforms for a fixed 64×64 input (resize 73, crop 64, ImageNet mean/std), the same probabilities as onnxruntime', async () => {
    const files = probes().slice(4, 6);
    // The preprocessing spelled out here: round(64 / 0.875) = 73, centre crop 64.
    const preprocess = compose([resize(73, { antialias: true }), centerCrop(64), normalize(IMAGENET_MEAN, IMAGENET_STD)]);
    const input = tf.tidy(() => tf.concat(files.map((f) => preprocess(toTensor(decodeImage(readFileSync(f), f))))));
    const logits = await runOnnx(ref.bytes, toNchw(input));
    const probabilities = tf.tidy(() => tf.softmax(logits).arraySync() as number[][]);
    tf.dispose([input, logits]);
    const r = convkit('predict', model, ...files, '--top', '1');
    expect(r.status).toBe(0);
    const ours = top1(r.stdout);
    expect(ours.map((p) => p.index)).toEqual(probabilities.map((row) => row.indexOf(Math.max(...row))));
    // No names for 10 classes: the index is the name.
    expect(ours.map((p) => p.name)).toEqual(ours.map((p) => String(p.index)));
    ours.forEach((p, i) => expect(Math.abs(p.p - 100 * Math.max(...probabilities[i]))).toBeLessThan(0.02));
    const labels = join(dir, 'labels.txt');
    writeFileSync(labels, `${Array.from({ length: 10 }, (_, i) => `thing${i}`).join('\n')}\n`);
    const named = top1(convkit('predict', model, files[0], '--top', '1', '--labels', labels).stdout);
    expect(named[0].name).toBe(`thing${ours[0].index}`);
  });

  it('export --out x.safetensors writes the state dict in PyTorch layout: torchvision resnet18 loads it strictly, equal to PyTorch’s', async () => {
    const out = join(dir, 'resnet18.safetensors');
    const r = convkit('export', model, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/wrote .*resnet18\.safetensors .*11,181,642 parameters, PyTorch layout/);
    const net = createModel('resnet18', { numClasses: 10 });
    await loadWeights(net, out);
    const state = net.stateDict();
    for (const key of ['conv1.weight', 'layer3.1.bn2.running_var', 'fc.weight']) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(state[key], ref.tensors[`state.${key}`]))).dataSync()[0]);
      expect(diff, key).toBe(0);
    }
    net.dispose();
    // Re-exported to ONNX (at the graph's own opset): onnxruntime gives PyTorch's logits.
    const again = convkit('export', model, '--out', join(dir, 'again.onnx'));
    expect(again.stdout).toMatch(/wrote .*again\.onnx \([\d.]+ MiB, opset 13, input \[batch,3,64,64\]\)/);
    const y = await runOnnx(new Uint8Array(readFileSync(join(dir, 'again.onnx'))), toNchw(ref.tensors.input));
    const scale = tf.tidy(() => tf.max(tf.abs(ref.tensors.logits)).dataSync()[0]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(y, ref.tensors.logits))).dataSync()[0])).toBeLessThan(1e-4 * scale);
    y.dispose();
  });

  it('finetune --model x.onnx: the head replaced (fc, 4 classes), the backbone frozen; predict --weights <out> prints the class names, as onnxruntime runs the --onnx export', async () => {
    const out = join(dir, 'out');
    const r = convkit('finetune', shapes, '--model', model, '--epochs', '3', '--batch', '8', '--augment', 'none', '--onnx', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // 11,181,642 − 5,130 (the 10-class fc) + 2,052 (512·4 + 4).
    expect(r.stdout).toMatch(/model .*resnet18\.onnx: 11,178,564 parameters, 2,052 trainable \(--freeze backbone\)/);
    expect(r.stdout).toContain('eval transforms: resize 73, centre crop 64, bilinear');
    expect(r.stdout).toMatch(/its features \(512 values per image\) were computed once for 160 images/);
    expect(r.stdout).toMatch(/confusion matrix/);
    const accuracy = Number(/validation: loss [\d.]+, accuracy ([\d.]+)%/.exec(r.stdout)?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(90);
    const meta = JSON.parse(readFileSync(join(out, 'convkit.json'), 'utf8'));
    expect(meta.onnx).toMatchObject({ file: model, head: 'fc', headInput: '/Flatten_output_0', inFeatures: 512 });
    const p = convkit('predict', model, ...probes(), '--weights', out, '--top', '1');
    expect(p.status).toBe(0);
    const names = top1(p.stdout).map((t) => t.name);
    expect(names.filter((n, i) => n === SHAPE_CLASSES[i >> 1]).length).toBeGreaterThanOrEqual(7);
    expect(new Set(names).size).toBeGreaterThan(1);
    for (const n of names) expect(SHAPE_CLASSES).toContain(n);
    // The fine-tuned model exported: onnxruntime on the eval transforms convkit.json records (resize 73, crop 64).
    const t = meta.transforms;
    const preprocess = compose([resize(t.resizeSize, { antialias: true }), centerCrop(t.cropSize), normalize(t.mean, t.std)]);
    const input = tf.tidy(() => tf.concat(probes().map((f) => preprocess(toTensor(decodeImage(readFileSync(f), f))))));
    const logits = await runOnnx(new Uint8Array(readFileSync(join(out, 'model.onnx'))), toNchw(input));
    const rows = tf.tidy(() => tf.softmax(logits).arraySync() as number[][]);
    tf.dispose([input, logits]);
    top1(p.stdout).forEach((ours, i) => {
      expect(ours.index).toBe(rows[i].indexOf(Math.max(...rows[i])));
      expect(Math.abs(ours.p - 100 * Math.max(...rows[i]))).toBeLessThan(0.02);
    });
  });

  it('the ONNX classifier (graph cut at the head, new fc) with the original head weights gives PyTorch’s logits, and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const net = await onnxClassifier(readOnnxFile(model), 3);
    expect([net.classifierPath, net.spec.headInput, net.numClasses]).toEqual(['fc', '/Flatten_output_0', 10]);
    net.loadStateDict({ 'fc.weight': ref.tensors['state.fc.weight'], 'fc.bias': ref.tensors['state.fc.bias'] }, { strict: false });
    net.predict(ref.tensors.input).dispose(); // the first eval pass caches the folded BatchNorm weights
    const during = tf.memory().numTensors;
    const logits = net.predict(ref.tensors.input);
    const scale = tf.tidy(() => tf.max(tf.abs(ref.tensors.logits)).dataSync()[0]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(logits, ref.tensors.logits))).dataSync()[0])).toBeLessThan(1e-4 * scale);
    logits.dispose();
    expect(tf.memory().numTensors).toBe(during);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad inputs are one-line errors: a missing file, a corrupt file, a graph without a linear head, another .onnx for a fine-tuned folder', async () => {
    const missing = convkit('summary', join(dir, 'nope.onnx'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^error: cannot read .*nope\.onnx: no such file or folder\n$/);
    const cut = join(dir, 'cut.onnx');
    writeFileSync(cut, ref.bytes.subarray(0, ref.bytes.length >> 1));
    const corrupt = convkit('predict', cut, probes()[0]);
    expect(corrupt.status).toBe(1);
    expect(corrupt.stderr).toMatch(/^error: cut\.onnx: not a valid ONNX protobuf/);
    // SqueezeNet's classifier is a 1×1 convolution: there is no Gemm/MatMul head to replace.
    const squeezenet = createModel('squeezenet1_1', { numClasses: 4, seed: 1 });
    writeFileSync(join(dir, 'squeezenet.onnx'), await exportOnnx(squeezenet, { inputShape: [1, 3, 64, 64] }));
    squeezenet.dispose();
    const headless = convkit('finetune', shapes, '--model', join(dir, 'squeezenet.onnx'), '--out', join(dir, 'never'));
    expect(headless.status).toBe(1);
    expect(headless.stderr).toMatch(/^error: .*squeezenet\.onnx: cannot find the classifier head: the output '.*' comes from Flatten node/);
    // The fine-tuned folder goes with the file it was trained from.
    const other = convkit('predict', join(dir, 'squeezenet.onnx'), probes()[0], '--weights', join(dir, 'out'));
    expect(other.stderr).toMatch(
      /^error: .*out was fine-tuned from .*resnet18\.onnx \(sha256 [0-9a-f]{12}…\); .*squeezenet\.onnx is another file/,
    );
  });
});
