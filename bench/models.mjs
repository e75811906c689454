// Model benchmark: convkit (its CPU backend) against tfjs-backend-cpu, tfjs-backend-wasm,
// onnxruntime-node and PyTorch, each configuration in its own process, one after another.
// Build first (pnpm run build), then: node bench/models.mjs [--quick] [--out docs/guide/benchmark-results.md]
// Timings are reported, never asserted.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args[outIndex + 1] : new URL('../docs/guide/benchmark-results.md', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;

// Multiply-accumulates per 224×224 image, from torchvision's documentation ("GFLOPS" there counts MACs).
const GMACS = { resnet50: 4.09, resnet18: 1.81, efficientnet_b0: 0.39, googlenet: 1.5, vgg16: 15.47 };
const models = quick ? ['resnet18'] : Object.keys(GMACS);
const batches = quick ? [1] : [1, 8];

function runsFor(runner, batch) {
  if (runner === 'tfjs-cpu') return 1;
  if (runner === 'tfjs-wasm') return batch === 1 ? 3 : 2;
  return batch === 1 ? 7 : 3;
}

function run(runner, model, batch) {
  const runs = runsFor(runner, batch);
  const [cmd, argv] =
    runner === 'pytorch'
      ? [PYTHON, [new URL('../scripts/bench/torch_bench.py', import.meta.url).pathname, model, String(batch), String(runs)]]
      : [process.execPath, [new URL('run-one.mjs', import.meta.url).pathname, runner, model, String(batch), String(runs)]];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').at(-1);
  try {
    return JSON.parse(line);
  } catch {
    return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').filter(Boolean).slice(-1)[0]?.slice(0, 120) };
  }
}

if (hasTorch) {
  execFileSync(PYTHON, [new URL('../scripts/bench/export_onnx.py', import.meta.url).pathname, new URL('.cache/onnx', import.meta.url).pathname, ...models], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const peers = ['onnx', ...(hasTorch ? ['pytorch'] : []), 'tfjs-wasm', 'tfjs-cpu'];
const label = { onnx: 'onnxruntime-node', pytorch: 'PyTorch (eager)', 'tfjs-wasm': 'tfjs-wasm', 'tfjs-cpu': 'tfjs-cpu' };
const rows = [];
const cell = (r) => (r.error ? `failed: ${r.error}` : `${r.medianMs.toFixed(1)} (${r.minMs.toFixed(0)}–${r.maxMs.toFixed(0)})`);
const ratio = (peer, ours) => (peer.error || ours.error ? '—' : `${(peer.medianMs / ours.medianMs).toFixed(2)}×`);

function benchRow(model, batch, runners, gmacs) {
  const ours = run('convkit', model, batch);
  const row = [model, String(batch), cell(ours), ours.error || !gmacs ? '—' : ((2 * gmacs * batch) / (ours.medianMs / 1000)).toFixed(0), ours.error ? '—' : ours.peakRssMB.toFixed(0)];
  for (const p of peers) {
    if (!runners.includes(p)) {
      row.push('not run', '—');
      continue;
    }
    const r = run(p, model, batch);
    row.push(cell(r), ratio(r, ours));
  }
  console.log(row.join(' | '));
  rows.push(row);
}

for (const model of models) {
  for (const batch of batches) {
    // tfjs-cpu takes seconds to minutes per image: batch 1 only.
    const runners = peers.filter((p) => p !== 'tfjs-cpu' || batch === 1);
    benchRow(model, batch, runners, GMACS[model]);
  }
}
benchRow('small_cnn_train', 64, peers.filter((p) => p === 'pytorch' || p === 'tfjs-cpu'), 0);

const header = ['model', 'batch', 'convkit ms (min–max)', 'GFLOP/s', 'peak RSS MB', ...peers.flatMap((p) => [`${label[p]} ms`, `${label[p]} / convkit`])];
const table = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const doc = `# Benchmark results

Measured by \`node bench/models.mjs\` on ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB,
Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. 224×224 inputs (28×28×1 for the training
step), median of several runs after warm-up, each configuration in its own process. A ratio above 1 means
convkit is faster than that peer. PyTorch runs eager with 2 threads; onnxruntime-node with 2 intra-op
threads on ONNX files exported from torchvision; tfjs-cpu and tfjs-wasm run convkit's models on the stock
tfjs kernels. \`small_cnn_train\` is one SGD step (forward, backward, update) of the course's small CNN
at batch 64. GFLOP/s counts 2 FLOPs per multiply-accumulate (torchvision's published MACs).

${table}
`;
writeFileSync(out, doc);
console.log(`\nwrote ${out}`);
