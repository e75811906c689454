// Imported ONNX models against convkit's own: torchvision's export (opset 13, BatchNorm folded by
// the exporter) run by importOnnx, beside the native model built by createModel, on the same CPU
// backend, each configuration in its own process. The goal: within 10 % of the native time.
// Build first (pnpm run build), then: node bench/onnx-import.mjs [--models resnet50,efficientnet_b0]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { run } from './runner.mjs';

const args = process.argv.slice(2);
const models = args.includes('--models') ? args[args.indexOf('--models') + 1].split(',') : ['resnet50', 'efficientnet_b0'];
execFileSync(
  '/usr/bin/python3',
  [new URL('../scripts/bench/export_onnx.py', import.meta.url).pathname, new URL('.cache/onnx', import.meta.url).pathname, ...models],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);

const cell = (r) => (r.error ? `failed: ${r.error}` : `${r.medianMs.toFixed(1)} (${r.minMs.toFixed(0)}–${r.maxMs.toFixed(0)})`);
console.log(`${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, 224×224, median ms (min–max)\n`);
console.log('| model | batch | convkit (createModel) ms | imported ONNX ms | imported / native | within 10 % |');
console.log('|---|---:|---:|---:|---:|---|');
for (const model of models) {
  for (const batch of [1, 8]) {
    const native = run('convkit', model, batch);
    const imported = run('convkit-import', model, batch);
    const ratio = native.error || imported.error ? undefined : imported.medianMs / native.medianMs;
    console.log(
      `| ${model} | ${batch} | ${cell(native)} | ${cell(imported)} | ${ratio?.toFixed(2) ?? '—'}× | ${ratio === undefined ? '—' : ratio <= 1.1 ? 'met' : 'not met'} |`,
    );
  }
}
