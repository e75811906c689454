// Model benchmark: convkit (its CPU backend) against onnxruntime-web (WebAssembly, the same
// instruction set), onnxruntime-node (native), convkit's own models on onnxruntime-node
// (toOnnxRuntime), PyTorch, tfjs-backend-wasm and tfjs-backend-cpu, each configuration in its own
// process, one after another, every one on the same thread count.
// Build first (pnpm run build), then: node bench/models.mjs [--quick] [--out docs/guide/benchmark-results.md]
// Timings are reported, never asserted.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { RELAXED_FLAG, run } from './runner.mjs';
import { simdPeak } from './simd-peak.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args[outIndex + 1] : new URL('../docs/guide/benchmark-results.md', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;

// Multiply-accumulates per 224×224 image, from torchvision's documentation ("GFLOPS" there counts MACs;
// efficientnet_v2_s's 8.37 is at its 384² crop, scaled here to 224²).
const GMACS = {
  resnet50: 4.09,
  resnet18: 1.81,
  efficientnet_b0: 0.39,
  googlenet: 1.5,
  vgg16: 15.47,
  mobilenet_v2: 0.3,
  mobilenet_v3_large: 0.22,
  mobilenet_v3_small: 0.06,
  shufflenet_v2_x1_0: 0.14,
  efficientnet_v2_s: 8.37 * (224 / 384) ** 2,
};
// `--models a,b` runs those rows only (the goals then report the others as not measured).
const only = args.includes('--models') ? args[args.indexOf('--models') + 1].split(',') : null;
const models = quick ? ['resnet18'] : (only ?? Object.keys(GMACS)).filter((m) => m in GMACS);
const trainRows = (only ?? ['efficientnet_b0_train', 'mobilenet_v3_large_train']).filter((m) => m.endsWith('_train'));
const batches = quick ? [1] : [1, 8];

if (hasTorch) {
  execFileSync(
    PYTHON,
    [new URL('../scripts/bench/export_onnx.py', import.meta.url).pathname, new URL('.cache/onnx', import.meta.url).pathname, ...models],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

// The ONNX files of the onnxruntime peers come from torch.onnx.export.
const peers = [...(hasTorch ? ['onnx-web', 'onnx'] : []), 'convkit-ort', ...(hasTorch ? ['pytorch'] : []), 'tfjs-wasm', 'tfjs-cpu'];
const label = {
  'onnx-web': 'onnxruntime-web (wasm)',
  onnx: 'onnxruntime-node',
  'convkit-ort': 'convkit → onnxruntime-node (toOnnxRuntime)',
  pytorch: 'PyTorch (eager)',
  'tfjs-wasm': 'tfjs-wasm',
  'tfjs-cpu': 'tfjs-cpu',
};
// The 128-bit SIMD peak of this machine on all threads: plain SIMD in this process, FMA with the flag.
const peak = await simdPeak();
const relaxedPeak = spawnSync(process.execPath, [RELAXED_FLAG, new URL('simd-peak.mjs', import.meta.url).pathname, '--json'], {
  encoding: 'utf8',
});
peak.relaxed = JSON.parse(relaxedPeak.stdout.trim().split('\n').at(-1) || '{}').relaxed;
console.log(
  `WebAssembly SIMD peak, ${peak.threads} threads: ${peak.simd.toFixed(0)} GFLOP/s (plain), ${peak.relaxed?.toFixed(0) ?? '—'} GFLOP/s (relaxed, FMA)`,
);
const rows = [];
const cell = (r) => (r.error ? `failed: ${r.error}` : `${r.medianMs.toFixed(1)} (${r.minMs.toFixed(0)}–${r.maxMs.toFixed(0)})`);
const ratio = (peer, ours) => (peer.error || ours.error ? '—' : `${(peer.medianMs / ours.medianMs).toFixed(2)}×`);

const rate = (r, gmacs, batch) => (r.error || !gmacs ? undefined : (2 * gmacs * batch) / (r.medianMs / 1000));
const gflops = (r, gmacs, batch) => rate(r, gmacs, batch)?.toFixed(0) ?? '—';
const ofPeak = (r, gmacs, batch, limit) =>
  rate(r, gmacs, batch) === undefined || !limit ? '—' : `${((100 * rate(r, gmacs, batch)) / limit).toFixed(0)} %`;
const results = {};

function benchRow(model, batch, runners, gmacs) {
  const ours = run('convkit', model, batch);
  const relaxed = run('convkit-relaxed', model, batch);
  results[`${model}/${batch}`] = { convkit: ours, relaxed };
  results[`${model}/${batch}`].gflops = rate(ours, gmacs, batch);
  const row = [
    model,
    String(batch),
    cell(ours),
    gflops(ours, gmacs, batch),
    ofPeak(ours, gmacs, batch, peak.simd),
    cell(relaxed),
    gflops(relaxed, gmacs, batch),
    ofPeak(relaxed, gmacs, batch, peak.relaxed),
    ours.error ? '—' : ours.peakRssMB.toFixed(0),
  ];
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
benchRow(
  'small_cnn_train',
  64,
  peers.filter((p) => p === 'pytorch' || p === 'tfjs-cpu'),
  0,
);
if (!quick) {
  for (const name of trainRows) {
    for (const batch of [8, 16])
      benchRow(
        name,
        batch,
        peers.filter((p) => p === 'pytorch'),
        0,
      );
  }
}

const header = [
  'model',
  'batch',
  'convkit ms (min–max)',
  'GFLOP/s',
  '% of SIMD peak',
  'convkit, relaxed SIMD ms',
  'GFLOP/s',
  '% of relaxed peak',
  'peak RSS MB',
  ...peers.flatMap((p) => [`${label[p]} ms`, `${label[p]} / convkit`]),
];
const table = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
  '\n',
);
// The goals the benchmark reports against, met or not.
function goals() {
  const line = (title, key, peer, limit) => {
    const r = results[key];
    if (!r?.[peer] || r[peer].error) return `- ${title}: ${label[peer]} not measured.`;
    const f = (c) =>
      c.error
        ? 'failed'
        : `${(c.medianMs / r[peer].medianMs).toFixed(2)}× ${label[peer]}'s time (${c.medianMs / r[peer].medianMs <= limit ? 'within' : 'outside'} ${limit}×)`;
    return `- ${title}: convkit ${f(r.convkit)}; with relaxed SIMD ${f(r.relaxed)}.`;
  };
  // convkit at least `factor`× faster than `peer` for every model and batch.
  const faster = (title, peer, factor) => {
    const cells = models.flatMap((m) =>
      batches.map((b) => {
        const r = results[`${m}/${b}`];
        if (!r?.[peer] || r[peer].error || r.convkit.error) return { text: `${m}/${b} not measured`, met: false };
        const x = r[peer].medianMs / r.convkit.medianMs;
        return { text: `${m}/${b} ${x.toFixed(2)}×`, met: x >= factor };
      }),
    );
    const missed = cells.filter((c) => !c.met).length;
    return `- ${title}: ${missed === 0 ? 'met' : `not met (${missed} of ${cells.length})`} — ${cells.map((c) => c.text).join(', ')}.`;
  };
  const efficiency = batches.map((b) => {
    const e = results[`efficientnet_b0/${b}`]?.gflops;
    const r = results[`resnet50/${b}`]?.gflops;
    if (!e || !r) return `batch ${b} not measured`;
    return `batch ${b}: ${e.toFixed(0)} vs ${r.toFixed(0)} GFLOP/s = ${((100 * e) / r).toFixed(0)} % (${e >= r / 2 ? 'met' : 'not met'})`;
  });
  return [
    faster('At least 1.5× faster than onnxruntime-web (wasm, same threads) for every model, batch 1 and 8', 'onnx-web', 1.5),
    faster('Faster than PyTorch eager for every model, batch 1 and 8', 'pytorch', 1),
    ...['mobilenet_v3_large', 'mobilenet_v2'].map((m) => {
      const r = results[`${m}/1`];
      if (!r?.convkit || r.convkit.error) return `- ${m}, batch 1: not measured.`;
      const x = (peer) => (r[peer] && !r[peer].error ? r[peer].medianMs / r.convkit.medianMs : undefined);
      const [web, wasm] = [x('onnx-web'), x('tfjs-wasm')];
      const met = web >= 1.5 && wasm >= 2;
      return `- ${m}, batch 1: ≥ 1.5× onnxruntime-web and ≥ 2× tfjs-wasm: ${met ? 'met' : 'not met'} (${web?.toFixed(2) ?? '—'}×, ${wasm?.toFixed(2) ?? '—'}×).`;
    }),
    `- efficientnet_b0 at ≥ 50 % of resnet50's effective GFLOP/s: ${efficiency.join('; ')}.`,
    line('ResNet50, batch 1', 'resnet50/1', 'onnx', 2),
    line('small CNN training step, batch 64', 'small_cnn_train/64', 'pytorch', 3),
    ...(quick
      ? []
      : trainRows.flatMap((name) =>
          [8, 16].map((b) => line(`${name.replace('_train', '')} training step, batch ${b} at 224²`, `${name}/${b}`, 'pytorch', 1)),
        )),
  ].join('\n');
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const doc = `# Benchmark results

Measured by \`node bench/models.mjs\` on ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB,
Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. 224×224 inputs (28×28×1 for the training
step), median of several runs after warm-up, each configuration in its own process. A ratio above 1 means
convkit is faster than that peer. PyTorch runs eager with 2 threads; onnxruntime-node and -web with
${peak.threads} threads on ONNX files exported from torchvision; tfjs-cpu and tfjs-wasm run convkit's models on the stock
tfjs kernels. \`small_cnn_train\` is one SGD step (forward, backward, update) of the course's small CNN
at batch 64, \`efficientnet_b0_train\` the same at batch 16 on 224×224. GFLOP/s counts 2 FLOPs per
multiply-accumulate (torchvision's published MACs; Winograd does fewer multiplies, so an effective
rate can pass the peak); "% of SIMD peak" divides it by this machine's WebAssembly 128-bit peak on
${peak.threads} threads, measured in the same run by \`bench/simd-peak.mjs\` (independent multiply-adds):
${peak.simd.toFixed(0)} GFLOP/s plain, ${peak.relaxed?.toFixed(0) ?? '—'} GFLOP/s with relaxed SIMD (FMA). onnxruntime-web runs
its WebAssembly backend (SIMD, ${peak.threads} threads) in Node — the peer on the same instruction set;
onnxruntime-node is the ceiling that native, wider vectors give. \`convkit → onnxruntime-node\` is
\`toOnnxRuntime\` from \`@convkit/onnx\`: convkit's own model exported and run on onnxruntime-node
behind convkit's \`predict\` (NHWC in, tensor out, copies included).

${table}

Relaxed SIMD (fused multiply-add) is on by default in Node ≥ 22 and current browsers; on Node 20
the second convkit column runs with \`node ${RELAXED_FLAG}\`. The ratio columns compare each
peer with the first (Node 20 default) column.

## Against the goals

${goals()}
`;
writeFileSync(out, doc);
console.log(`\nwrote ${out}`);
