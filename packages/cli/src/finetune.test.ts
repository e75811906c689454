import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { EvalTransforms } from '@convkit/core';
import { centerCrop, compose, normalize, resize, toTensor } from '@convkit/data';
import { decodeImage } from '@convkit/data/node';
import { createModel } from '@convkit/models';
import { saveWeights } from '@convkit/weights';
import { torchAvailable, tempDir } from '@convkit/test-utils/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeImageFolder, SHAPE_CLASSES } from './__fixtures__/make-image-folder';
import { loadImageFolder } from './finetune/load-images';
import { trainStages } from './finetune/train-stages';

const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const checkScript = new URL('../../../scripts/fixtures/finetune-check.py', import.meta.url).pathname;

function convkit(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let root: string;
let shapes: string;
let bad: string[];
let out: string;

beforeAll(() => {
  root = tempDir('convkit-finetune-');
  shapes = join(root, 'shapes');
  ({ bad } = makeImageFolder(shapes, { perClass: 40, seed: 1 }));
  out = join(root, 'out');
});

// Two images of each class, named as the generator wrote them (PNG and JPEG).
const probes = () => SHAPE_CLASSES.flatMap((c) => [join(shapes, c, '036.png'), join(shapes, c, '039.jpg')]);

describe('convkit finetune', () => {
  it('fine-tunes resnet18 from random init to ≥ 95% on a generated ImageFolder, reports bad files, writes the folder', () => {
    const r = convkit('finetune', shapes, '--image-size', '32', '--epochs', '3', '--augment', 'none', '--out', out);
    expect(r.stderr).toMatch(/no --weights given: resnet18 starts from random weights/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/model resnet18: 11,178,564 parameters, 11,178,564 trainable \(nothing frozen\)/);
    // 40 images per class (the three bad files come on top); 20% of each class held out.
    expect(r.stdout).toMatch(/0\s+blue_triangle\s+32\s+8/);
    expect(r.stdout).toMatch(/3\s+yellow_cross\s+32\s+8/);
    expect(r.stdout).toMatch(/skipped 3 file\(s\) that cannot be used/);
    for (const path of bad) expect(r.stdout).toMatch(new RegExp(`^  ${join(shapes, path)}: `, 'm'));
    expect(r.stdout).toMatch(/truncated\.jpg: cannot decode \d+ bytes as JPEG/);
    expect(r.stdout).toMatch(/notes\.png: expected a PNG .* signature/);
    expect(r.stdout).toMatch(/kept as uint8: 480\.0 KiB in memory/); // 160 × 32·32·3 bytes
    expect(r.stdout).toMatch(/epoch 3\/3 .* val acc/);
    expect(r.stdout).toMatch(/confusion matrix/);
    const accuracy = Number(/validation: loss [\d.]+, accuracy ([\d.]+)%/.exec(r.stdout)?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(95);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
    const meta = JSON.parse(readFileSync(join(out, 'convkit.json'), 'utf8'));
    expect(meta).toMatchObject({ model: 'resnet18', classes: [...SHAPE_CLASSES], transforms: { resizeSize: 36, cropSize: 32 } });
    expect(meta.metrics.valAccuracy * 100).toBeCloseTo(accuracy, 1);
  });

  it('predict --weights <out>/ loads the fine-tuned head and prints the class names', () => {
    const r = convkit('predict', 'resnet18', ...probes(), '--weights', out, '--top', '1');
    expect(r.status).toBe(0);
    const top = [...r.stdout.matchAll(/^\s+[\d.]+%\s+(\S+) \((\d)\)$/gm)].map((m) => m[1]);
    expect(top).toEqual(SHAPE_CLASSES.flatMap((c) => [c, c]));
    expect(r.stdout).not.toMatch(/tench|goldfish/);
    // The folder belongs to resnet18: another model name is a clear error.
    expect(convkit('predict', 'resnet34', probes()[0], '--weights', out).stderr).toMatch(/holds a fine-tuned resnet18, not resnet34/);
  });

  it.skipIf(!torchAvailable())('PyTorch load_state_dict(strict=True) reads the weights and predicts the same top-1', () => {
    const meta = JSON.parse(readFileSync(join(out, 'convkit.json'), 'utf8')) as { transforms: EvalTransforms };
    const t = meta.transforms;
    // The tensor convkit predict builds (its preprocessing), handed to PyTorch as NCHW.
    const preprocess = compose([
      resize(t.resizeSize, { interpolation: t.interpolation, antialias: true }),
      centerCrop(t.cropSize),
      normalize(t.mean, t.std),
    ]);
    const files = probes();
    const input = tf.tidy(() =>
      tf.transpose(tf.concat(files.map((f) => preprocess(toTensor(decodeImage(readFileSync(f), f))))), [0, 3, 1, 2]),
    );
    const inputPath = join(root, 'input.f32');
    writeFileSync(inputPath, new Uint8Array((input.dataSync() as Float32Array).buffer));
    input.dispose();
    const py = spawnSync('/usr/bin/python3', [checkScript, out, inputPath, String(files.length), String(t.cropSize)], { encoding: 'utf8' });
    expect(py.stderr).toBe('');
    const torchTop = JSON.parse(py.stdout) as { className: string; probability: number }[];
    const ours = convkit('predict', 'resnet18', ...files, '--weights', out, '--top', '1');
    const top = [...ours.stdout.matchAll(/^\s+([\d.]+)%\s+(\S+) \(\d\)$/gm)].map((m) => ({ className: m[2], probability: Number(m[1]) }));
    expect(top.map((p) => p.className)).toEqual(torchTop.map((p) => p.className));
    // The probabilities agree too (printed to 0.01 percentage points): the whole network matches.
    top.forEach((p, i) => expect(Math.abs(p.probability - 100 * torchTop[i].probability)).toBeLessThan(0.02));
  });

  it.each(['sgd', 'adamw'] as const)(
    '%s: the head trained on cached features equals the head trained through the frozen backbone (1e-5)',
    async (optimizer) => {
      const transforms: EvalTransforms = {
        resizeSize: 36,
        cropSize: 32,
        interpolation: 'bilinear',
        mean: [0.5, 0.5, 0.5],
        std: [0.25, 0.25, 0.25],
      };
      const data = loadImageFolder(shapes, { transforms, valSplit: 0.25, seed: 2 });
      const before = tf.memory().numTensors;
      const heads: { weight: Float32Array; bias: Float32Array; cached: boolean }[] = [];
      let initial: Float32Array | undefined;
      for (const cache of [true, false]) {
        const model = createModel('resnet18', { numClasses: 4, seed: 5 });
        model.freezeBackbone();
        initial ??= model.stateDict()['fc.weight'].dataSync() as Float32Array;
        let cached = false;
        await trainStages(model, data.train, data.val, {
          epochs: 2,
          lr: 0.01,
          batch: 16,
          optimizer,
          seed: 3,
          unfreezeAt: [],
          augment: [],
          normalize: normalize(transforms.mean, transforms.std),
          cache,
          onCache: () => {
            cached = true;
          },
        });
        const state = model.stateDict();
        heads.push({ weight: state['fc.weight'].dataSync() as Float32Array, bias: state['fc.bias'].dataSync() as Float32Array, cached });
        model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(heads.map((h) => h.cached)).toEqual([true, false]);
      const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
      // Informative: training moved the head well beyond the tolerance.
      expect(maxDiff(heads[0].weight, initial!)).toBeGreaterThan(1e-2);
      expect(maxDiff(heads[0].weight, heads[1].weight)).toBeLessThan(1e-5);
      expect(maxDiff(heads[0].bias, heads[1].bias)).toBeLessThan(1e-5);
    },
  );

  it('with --weights the backbone is frozen by default, and with --augment none the head trains on cached features', () => {
    const weights = join(root, 'resnet18-random.safetensors');
    const model = createModel('resnet18', { seed: 7 });
    writeFileSync(weights, saveWeights(model));
    model.dispose();
    const r = convkit(
      'finetune',
      shapes,
      '--weights',
      weights,
      '--image-size',
      '32',
      '--epochs',
      '2',
      '--augment',
      'none',
      '--out',
      join(root, 'cached'),
    );
    expect(r.status).toBe(0);
    // 512·4 + 4 = 2,052 parameters in the new head.
    expect(r.stdout).toMatch(/model resnet18: 11,178,564 parameters, 2,052 trainable \(--freeze backbone\)/);
    expect(r.stdout).toMatch(/its features \(512 values per image\) were computed once for 160 images in [\d.]+ s/);
    expect(r.stdout).toMatch(/saves about [\d.]+ s of backbone passes over 2 epochs/);
    expect(r.stdout).toMatch(/epoch 2\/2 .* val acc/);
  });

  it("a Hugging Face timm folder's pretrained_cfg sets the eval transforms", () => {
    const hub = join(root, 'hub');
    mkdirSync(hub);
    const model = createModel('timm/resnet18', { seed: 7 });
    writeFileSync(join(hub, 'model.safetensors'), saveWeights(model));
    model.dispose();
    const cfg = { input_size: [3, 40, 40], interpolation: 'bicubic', crop_pct: 0.8, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
    writeFileSync(join(hub, 'config.json'), JSON.stringify({ architecture: 'resnet18', num_classes: 1000, pretrained_cfg: cfg }));
    const r = convkit(
      'finetune',
      shapes,
      '--model',
      'timm/resnet18',
      '--weights',
      hub,
      '--epochs',
      '1',
      '--augment',
      'none',
      '--out',
      join(root, 'hub-out'),
    );
    expect(r.status).toBe(0);
    // timm: resize ⌊40 / 0.8⌋ = 50, centre crop 40.
    expect(r.stdout).toContain('eval transforms: resize 50, centre crop 40, bicubic, mean [0.5, 0.5, 0.5], std [0.25, 0.25, 0.25]');
    expect(r.stdout).toMatch(/kept as uint8: 750\.0 KiB/); // 160 × 40·40·3 bytes
    const meta = JSON.parse(readFileSync(join(root, 'hub-out', 'convkit.json'), 'utf8'));
    expect(meta).toMatchObject({ model: 'timm/resnet18', transforms: { resizeSize: 50, cropSize: 40, interpolation: 'bicubic' } });
  });

  it('uses <folder>/train and <folder>/val when both exist', () => {
    const split = join(root, 'split');
    for (const c of SHAPE_CLASSES) {
      for (const [sub, names] of [
        ['train', ['000.png', '001.jpg', '002.png', '003.jpg', '004.png', '005.jpg']],
        ['val', ['006.png', '007.jpg']],
      ] as const) {
        mkdirSync(join(split, sub, c), { recursive: true });
        for (const n of names) writeFileSync(join(split, sub, c, n), readFileSync(join(shapes, c, n)));
      }
    }
    const r = convkit('finetune', split, '--image-size', '16', '--epochs', '1', '--augment', 'flip', '--out', join(root, 'split-out'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`4 classes from ${split}/train and ${split}/val:`);
    expect(r.stdout).toMatch(/2\s+red_circle\s+6\s+2/);
    expect(r.stdout).toMatch(/total\s+24\s+8/);
    expect(r.stdout).not.toMatch(/skipped/);
  });

  it.each([
    [['--model', 'resnet5O'], "unknown model 'resnet5O'; did you mean resnet50?"],
    [['--val-split', '2'], "--val-split must be a fraction between 0 and 1 (e.g. 0.2), got '2'"],
    [['--freeze', 'nosuchprefix'], "--freeze: resnet18 has no module 'nosuchprefix'"],
    [['--freeze', 'layer5'], 'did you mean layer1?'],
    [['--unfreeze-at', 'x'], "--unfreeze-at takes <epoch>:<prefix> such as 3:layer4 (epochs count from 1), got 'x'"],
    [['--unfreeze-at', '9:layer4', '--epochs', '3'], '--unfreeze-at 9:layer4: epoch 9 is after the last one (--epochs 3)'],
    [['--optimizer', 'adam'], "--optimizer must be 'sgd' or 'adamw', got 'adam'"],
    [['--augment', 'mixup'], '--augment must be one of none, flip'],
  ])('finetune %j is a one-line error', (args, message) => {
    const r = convkit('finetune', shapes, ...args, '--out', join(root, 'never'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toMatch(/^error: /);
    expect(existsSync(join(root, 'never'))).toBe(false);
  });

  it('an empty folder and a folder with one class are clear errors', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const r = convkit('finetune', empty);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/empty is not an image folder: expected one sub-folder per class, found none/);
    const one = join(root, 'one');
    mkdirSync(join(one, 'cats'), { recursive: true });
    writeFileSync(join(one, 'cats', 'a.png'), readFileSync(probes()[0]));
    const single = convkit('finetune', one);
    expect(single.status).toBe(1);
    expect(single.stderr).toMatch(/one has one class folder \(cats\); a classifier needs at least two/);
  });
});
