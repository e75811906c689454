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

// Node 20 has relaxed SIMD (FMA) behind a flag; Node >= 22 and current browsers have it on.
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

function run(runner, model, batch) {
  const runs = runsFor(runner, batch);
  const oneRun = (name, flags = []) => [process.execPath, [...flags, new URL('run-one.mjs', import.meta.url).pathname, name, model, String(batch), String(runs)]];
  const [cmd, argv] =
    runner === 'pytorch'
      ? [PYTHON, [new URL('../scripts/bench/torch_bench.py', import.meta.url).pathname, model, String(batch), String(runs)]]
      : runner === 'convkit-relaxed'
        ? oneRun('convkit', [RELAXED_FLAG])
        : oneRun(runner);
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

const gflops = (r, gmacs, batch) => (r.error || !gmacs ? '—' : ((2 * gmacs * batch) / (r.medianMs / 1000)).toFixed(0));
const results = {};

function benchRow(model, batch, runners, gmacs) {
  const ours = run('convkit', model, batch);
  const relaxed = run('convkit-relaxed', model, batch);
  results[`${model}/${batch}`] = { convkit: ours, relaxed };
  const row = [model, String(batch), cell(ours), gflops(ours, gmacs, batch), cell(relaxed), gflops(relaxed, gmacs, batch), ours.error ? '—' : ours.peakRssMB.toFixed(0)];
  for (const p of peers) {
    if (!runners.includes(p)) {
      row.push('not run', '—');
      continue;
    }
    const r = run(p, model, batch);
    results[`${model}/${batch}`][p] = r;
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

const header = ['model', 'batch', 'convkit ms (min–max)', 'GFLOP/s', 'convkit, relaxed SIMD ms', 'GFLOP/s', 'peak RSS MB', ...peers.flatMap((p) => [`${label[p]} ms`, `${label[p]} / convkit`])];
const table = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
// ResNet50 batch-1 inference within 2× of onnxruntime-node; a small-CNN training step within 3× of PyTorch.
function goals() {
  const line = (title, key, peer, limit) => {
    const r = results[key];
    if (!r?.[peer] || r[peer].error) return `- ${title}: ${label[peer]} not measured.`;
    const f = (c) => (c.error ? 'failed' : `${(c.medianMs / r[peer].medianMs).toFixed(2)}× ${label[peer]}'s time (${c.medianMs / r[peer].medianMs <= limit ? 'within' : 'outside'} ${limit}×)`);
    return `- ${title}: convkit ${f(r.convkit)}; with relaxed SIMD ${f(r.relaxed)}.`;
  };
  return [line('ResNet50, batch 1', 'resnet50/1', 'onnx', 2), line('small CNN training step, batch 64', 'small_cnn_train/64', 'pytorch', 3)].join('\n');
}

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

Relaxed SIMD (fused multiply-add) is on by default in Node ≥ 22 and current browsers; on Node 20
the second convkit column runs with \`node ${RELAXED_FLAG}\`. The ratio columns compare each
peer with the first (Node 20 default) column.

## Against the goals

${goals()}
`;
writeFileSync(out, doc);
console.log(`\nwrote ${out}`);
