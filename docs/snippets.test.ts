// Every code snippet shown in the guides is a file in snippets/, included into the pages at
// build time (`<<< @/snippets/x.ts`) together with its output (`x.out.txt`). This test runs
// each snippet and checks that it still prints exactly what the page shows, plus the facts the
// prose relies on — so the docs cannot rot. UPDATE_SNIPPETS=1 rewrites the .out.txt files.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { torchAvailable, tempDir } from '@convkit/test-utils/node';

const dir = new URL('snippets/', import.meta.url).pathname;
const snippets = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

/** Runs a snippet module once and returns what it printed with console.log. */
async function run(name: string): Promise<string> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(format(...args)));
  await import(`./snippets/${name}.ts`);
  return `${lines.join('\n')}\n`;
}

/** Files that snippets read and a PyTorch script of the guide makes (too large to commit): made here when torch is available. */
const torchMade: Record<string, { script: string; file: string }> = {
  'finetune-onnx': { script: 'export_onnx.py', file: 'fixtures/resnet18.onnx' },
};

/** Whether the snippet's PyTorch-made file is there (or needs none); false where torch is missing. */
function torchFile(name: string): boolean {
  const made = torchMade[name];
  if (!made || existsSync(join(dir, made.file))) return true;
  if (!torchAvailable()) return false;
  const target = join(dir, made.file);
  const partial = target.replace(/(\.\w+)$/, '.partial$1'); // renamed whole into place, so an interrupted run leaves no half file
  execFileSync('/usr/bin/python3', [join(dir, made.script), partial], { stdio: 'ignore' });
  renameSync(partial, target);
  return true;
}

const outputs = new Map<string, string>();
async function outputOf(name: string): Promise<string> {
  if (!outputs.has(name)) outputs.set(name, await run(name));
  return outputs.get(name)!;
}

/** What the prose around each snippet says; checked on top of the exact output. */
const facts: Record<string, (out: string) => void> = {
  'quick-start': (out) => expect(out).toMatch(/^cpu \[ 1, 10 \]/),
  'fully-connected': (out) => {
    expect(out).toContain('fully connected: 1,000,000 weights');
    expect(out).toContain('convolution: 1,000 parameters');
  },
  'convolution-example': (out) => {
    expect(out).toContain('top-left: 6');
    expect(out).toContain('shape: [ 1, 3, 3, 1 ]');
  },
  'output-size': (out) => expect(out.split('\n').slice(0, 4)).toEqual(['3', '5', '112', '28']),
  dropout: (out) => {
    const train = out.split('\n')[0].slice('train: '.length).split(' ').map(Number);
    expect(new Set(train)).toEqual(new Set([0, 2]));
    expect(out).toContain('eval:  1 1 1 1 1 1 1 1');
  },
  'batch-norm': (out) => expect(out).toContain('running mean: 0.500'),
  'small-cnn': (out) => expect(out).toMatch(/Total params: 20,\d{3}/),
  vgg: (out) => expect(out).toContain('classifier.0: 102,764,544'),
  googlenet: (out) => expect(out).toContain('parameters: 6,624,904'),
  resnet: (out) => expect(out).toContain('parameters: 11,689,512'),
  efficientnet: (out) => expect(out).toContain('parameters: 5,288,548'),
  'transfer-learning': (out) => expect(out).toContain('trainable: 1,539 of'),
  'pytorch-weights': (out) => expect(out).toContain('pth: loaded 14 tensors'),
  backends: (out) => expect(out).toContain('using: cpu'),
  'onnx-export': (out) => {
    expect(out).toContain("onnxruntime output [2,3], same as convkit's: true");
    const [, ort, ours] = out.match(/top-1 ([\d,]+) \(convkit: ([\d,]+)\)/)!;
    expect(ort).toBe(ours);
  },
  // guide/inside-a-cnn.md: the demo's accuracy, edge detectors in the first layer, and where the heat lies.
  'inside-a-cnn': (out) => {
    const accuracy = Number(out.match(/test accuracy: ([\d.]+) %/)![1]);
    expect(accuracy).toBeGreaterThan(85);
    for (const edge of ['rising', 'falling'])
      expect(Number(out.match(new RegExp(`${edge} vertical edges: r = ([\\d.]+)`))![1])).toBeGreaterThan(0.8);
    const shares = (label: string) =>
      out
        .match(new RegExp(`^${label} +(\\d+) % +(\\d+) %$`, 'm'))!
        .slice(1)
        .map(Number);
    const [area, areaNear] = shares('area');
    const [plusPlus, plusPlusNear] = shares('Grad-CAM\\+\\+');
    const [plain] = shares('Grad-CAM');
    const [untrained] = shares('Grad-CAM, untrained net');
    // Grad-CAM++ keeps to the garment and its outline; plain Grad-CAM also lights the background.
    expect(plusPlus).toBeGreaterThan(area + 5);
    expect(plusPlusNear).toBeGreaterThan(areaNear + 10);
    expect(plain).toBeLessThan(plusPlus);
    expect(Math.abs(plain - area)).toBeLessThanOrEqual(3); // "in proportion to the area"
    // The sanity check: a random network's map follows the bright pixels even more.
    expect(untrained).toBeGreaterThan(area + 10);
    expect(untrained).toBeGreaterThan(plain);
  },
  // guide/finetune-onnx.md: torchvision's names and count come back, the head learns, the export runs.
  'finetune-onnx': (out) => {
    expect(out).toContain('122 tensors: conv1.weight, bn1.weight, bn1.bias, …, fc.bias'); // resnet18's state_dict(), num_batches_tracked included
    expect(out).toContain('parameters: 11,689,512'); // torchvision's count
    expect(out).toContain('predict: [2,1000], run: [2,1000], the same logits: true');
    expect(out).toContain('trainable: 1.weight, 1.bias (1539 values)'); // 512·3 + 3
    const losses = out
      .match(/^loss: (.+)$/m)![1]
      .split(' → ')
      .map(Number);
    expect(losses.at(-1)).toBeLessThan(losses[0] / 2);
    expect(out).toContain('onnxruntime: [2,3], same as convkit: true');
  },
  // The course's programs: PyTorch prints the same counts (hand-computed in the comments).
  'course-vgg16': (out) => {
    expect(out).toContain('features: 0 of 14,714,688 trainable');
    expect(out).toContain('trainable: 119,586,826'); // 25088·4096 + 4096 + 4096·4096 + 4096 + 4096·10 + 10
    expect(out).toContain('features.0.weight changed: false; classifier.6.weight changed: true');
    expect(out).toContain('output: [ 2, 10 ]');
  },
  'course-googlenet': (out) => {
    expect(out).toContain('fc: 1024 → 10');
    expect(out).toContain('trainable: 10,250 of 5,610,154 (fc.weight, fc.bias)'); // 1024·10 + 10; 6,624,904 − 1,025,000 + 10,250
    expect(out).toContain('output: [ 2, 10 ]');
  },
  'course-resnet50': (out) => {
    expect(out).toContain('num_ftrs: 2048');
    expect(out).toContain('trainable: 23,528,522 of 23,528,522'); // 25,557,032 − 2,049,000 + 20,490
    expect(out).toContain('output: [ 2, 10 ]');
  },
  'course-efficientnet-b7': (out) => {
    expect(out).toContain('classifier.in_features: 2560');
    expect(out).toContain('trainable: 25,610 of 63,812,570'); // 2560·10 + 10; 66,347,960 − 2,561,000 + 25,610
    expect(out).toContain('output: [ 2, 10 ]');
  },
  'pretrained-catalog': (out) => expect(out).toContain('IMAGENET1K_V2 https://download.pytorch.org/models/resnet50-11ad3fa6.pth'),
  // The guides of the mobile families: the arithmetic the prose works out by hand.
  mobilenet: (out) => {
    expect(out).toContain('full 3×3: 3,456 weights, 10,838,016 multiply-adds'); // 24·16·9; × 56·56
    expect(out).toContain('depthwise + pointwise: 144 + 384 = 528 weights, 1,655,808 multiply-adds'); // 16·9 + 24·16
    expect(out).toContain('parameters: 5,483,032');
    expect(out).toContain('features.2: 3,440'); // 16·64 + 64·9 + 64·24 + 2·(64 + 64 + 24)
    expect(out).toContain('features.4 squeeze-excitation: 72 → 24 → 72'); // _make_divisible(18, 8) = 24
    expect(out).toContain('mobilenet_v3_large: 5,483,032 parameters, top-1 75.274 %');
  },
  mnasnet: (out) => {
    expect(out).toContain('parameters: 4,383,312');
    expect(out).toContain('layers.8.0: 2,592'); // 16·48 + 48·9 + 48·24 + 2·(48 + 48 + 24)
    expect(out).toContain('layers.8.1: 4,440');
    expect(out).toContain('layers.8: 11,472');
    expect(out).toContain('expand 4,800, depthwise 5×5 3,000, project 4,800');
    expect(out).toContain('mnasnet0_75: 24, 16, 24, 32, 64, 72, 144, 240;');
    expect(out).toContain('mnasnet1_3: 40, 24, 32, 56, 104, 128, 248, 416;');
  },
  squeezenet: (out) => {
    expect(out).toContain('Fire(96 → 16 → 64 + 64): 1,552 + 1,088 + 9,280 = 11,920');
    expect(out).toContain('3×3 conv 96 → 128: 110,720');
    expect(out).toContain('squeezenet1_0: 109 → 54 → 27 → 13 (ceil mode); 109 → 54 → 26 → 12 in floor mode');
    expect(out).toContain("the model's pools: 54×54×96, 27×27×256, 13×13×512; features 13×13×512");
    expect(out).toContain("the model's pools: 55×55×64, 27×27×128, 13×13×256; features 13×13×512");
    expect(out).toContain('parameters: 1,235,496');
    expect(out).toContain('classifier.1 (1×1 conv 512 → 1000): 513,000');
  },
  shufflenet: (out) => {
    expect(out).toContain('shuffled: 0, 2, 1, 3');
    expect(out).toContain('next split: [0,2] and [1,3]');
    expect(out).toContain('parameters: 2,278,604');
    expect(out).toContain('stage2.1: 7,598'); // 2·58·58 + 58·9 + 3·2·58
    expect(out).toContain('3×3 conv 116 → 116: 121,104');
    expect(out).toContain('features: [ 1, 7, 7, 1024 ]');
  },
  'efficientnet-v2': (out) => {
    expect(out).toContain('parameters: 21,458,488');
    expect(out).toContain('1: FusedMBConv, 2: FusedMBConv, 3: FusedMBConv, 4: MBConv, 5: MBConv, 6: MBConv');
    expect(out).toContain('fused 3×3 20,736 vs 1×1 expand 2,304 + depthwise 864; projection 4,608');
    expect(out).toContain('features.2.0: 25,632'); // 20,736 + 4,608 + 2·(96 + 48)
    expect(out).toContain('features at 384×384: [ 1, 12, 12, 1280 ]');
  },
  // torchvision's documentation lists the same GFLOPS per weight (guide/models.md).
  'model-flops': (out) => {
    for (const [name, g] of Object.entries({
      mobilenet_v3_small: '0.06',
      mobilenet_v3_large: '0.22',
      mobilenet_v2: '0.30',
      mnasnet1_0: '0.31',
      squeezenet1_1: '0.35',
      efficientnet_v2_s: '8.37',
    })) {
      expect(out).toMatch(new RegExp(`^${name} at \\d+×\\d+: ${g.replace('.', '\\.')} G multiply-adds$`, 'm'));
    }
  },
};

afterEach(() => vi.restoreAllMocks());

describe('docs snippets', () => {
  it('every snippet has an output file and a list of facts', () => {
    for (const name of snippets) {
      expect(facts[name], `facts for ${name}`).toBeTypeOf('function');
      if (!process.env.UPDATE_SNIPPETS) expect(existsSync(join(dir, `${name}.out.txt`)), `${name}.out.txt`).toBe(true);
    }
  });

  it.each(snippets)('%s prints what the guide shows', async (name) => {
    if (!torchFile(name)) return void console.warn(`${name}: no ${torchMade[name].file} (torch missing): skipped`);
    const out = await outputOf(name);
    const file = join(dir, `${name}.out.txt`);
    if (process.env.UPDATE_SNIPPETS) writeFileSync(file, out);
    expect(out).toBe(readFileSync(file, 'utf8'));
    facts[name]?.(out);
  });

  it.runIf(torchAvailable())('the PyTorch script of the weights guide gives the logits convkit prints', async () => {
    const tmp = tempDir('convkit-docs-');
    const py = execFileSync('/usr/bin/python3', [join(dir, 'small_cnn.py'), join(tmp, 'small-cnn.pth')], { encoding: 'utf8' });
    const numbers = (s: string) =>
      s
        .match(/logits: \[([^\]]*)\]/)![1]
        .split(',')
        .map(Number);
    const ours = numbers((await outputOf('pytorch-weights')).replace(/\s+/g, ' '));
    const file = join(dir, 'small_cnn.out.txt');
    if (process.env.UPDATE_SNIPPETS) writeFileSync(file, py);
    expect(py).toBe(readFileSync(file, 'utf8'));
    const theirs = numbers(py);
    expect(ours).toHaveLength(10);
    ours.forEach((v, i) => expect(Math.abs(v - theirs[i])).toBeLessThan(2e-4));
  });
});
