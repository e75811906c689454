// How fast and how lean is loading a torchvision checkpoint? Loads ResNet50's torch.save file
// (random weights, written by scripts/fixtures/architectures.py) into resnet50() and reports the
// time and the peak resident memory added by the load, against the file size.
// Usage: node bench/load-weights.mjs [model]
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { createModel } from '@convkit/models';
import { loadWeights } from '@convkit/weights';

const model = process.argv[2] ?? 'resnet50';
const dir = new URL('.cache/checkpoints', import.meta.url).pathname;
const file = join(dir, `${model}-224-0.pth`);
if (!existsSync(file)) {
  const script = new URL('../scripts/fixtures/architectures.py', import.meta.url).pathname;
  execFileSync('/usr/bin/python3', [script, model, '--size', '224', '--batch', '1', '--out', dir, '--pth'], { stdio: 'inherit' });
}
await tf.setBackend('cpu');
const net = createModel(model, { seed: 0 });
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
const started = performance.now();
await loadWeights(net, file);
const ms = performance.now() - started;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
const size = statSync(file).size;
const MB = (n) => (n / 2 ** 20).toFixed(1);
console.log(`${model}: ${MB(size)} MB checkpoint loaded in ${ms.toFixed(0)} ms`);
console.log(`peak RSS added by the load: ${MB(peak - rssBefore)} MB (${((peak - rssBefore) / size).toFixed(2)}× the file)`);
process.exit(0);
