// Where an inference spends its time, per op type: every kernel of one predict (tf.profile), put
// in the groups the performance guide reports (depthwise convs, 1×1 convs, the SE blocks, SiLU, …),
// and the wall time outside kernels (tfjs's engine, tidy, bookkeeping).
// Build first, then: node bench/profile.mjs [model ...] [--batch 1,8] [--runs 5] [--markdown]
// CONVKIT_BACKEND_CPU=<path of a built backend-cpu index.js> profiles another build of the CPU
// backend (e.g. the previous one, copied aside, for a before/after comparison).
import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@convkit/models';

await import(process.env.CONVKIT_BACKEND_CPU ?? '@convkit/backend-cpu');

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const values = new Set([option('--batch'), option('--runs')]);
const models = args.filter((a) => !a.startsWith('--') && !values.has(a));
const batches = option('--batch', '1,8').split(',').map(Number);
const runs = Number(option('--runs', '5'));
const markdown = args.includes('--markdown');

/** The group a kernel's time belongs to, from its name and shapes. */
function group({ name, inputShapes, outputShapes }) {
  const [x, w] = inputShapes;
  const pooled = x && x.length === 4 && x[1] === 1 && x[2] === 1;
  const depthwiseFilter = w?.length === 4 && w[3] === 1 && w[2] === x[3] && x[3] > 1;
  if (/DepthwiseConv2d/.test(name) || (/Conv2D/.test(name) && depthwiseFilter)) return `depthwise ${w[0]}×${w[1]}`;
  if (/Conv2D/.test(name)) {
    if (pooled) return 'SE block';
    return w[0] === 1 && w[1] === 1 ? 'conv 1×1' : `conv ${w[0]}×${w[1]}`;
  }
  if (name === 'Mean' && outputShapes[0]?.[1] === 1) return pooled ? 'SE block' : 'SE block / global pool';
  if (pooled && x.length === 4) return 'SE block';
  if (name === 'Multiply' && inputShapes[1]?.[1] === 1 && inputShapes[1]?.[2] === 1) return 'SE block';
  if (/Relu6|Hardswish|Hardsigmoid/i.test(name)) return 'ReLU6 / Hardswish / Hardsigmoid';
  if (name === 'Sigmoid' || name === 'Multiply' || /Silu|Swish/i.test(name)) return 'SiLU';
  if (/Pool/.test(name)) return 'pooling';
  if (/MatMul/.test(name)) return 'fully connected';
  if (name === 'Concat') return 'concat';
  if (/Reshape|Slice|Pad|Transpose|Identity|Cast/.test(name)) return 'copies / reshapes';
  return 'elementwise';
}

async function profileOnce(net, x) {
  const t = performance.now();
  const info = await tf.profile(() => net.predict(x).dispose());
  const wall = performance.now() - t;
  return { wall, kernels: info.kernels };
}

/** Wall time of predict without the profiler (its own cost is not the model's). */
async function plainMs(net, x) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const y = net.predict(x);
    await y.data();
    y.dispose();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

for (const model of models.length ? models : ['efficientnet_b0', 'googlenet']) {
  const net = createModel(model, { seed: 0 }).eval();
  for (const batch of batches) {
    const x = tf.randomUniform([batch, 224, 224, 3]);
    for (let i = 0; i < 2; i++) net.predict(x).dispose(); // warm-up: wasm tiers up, weights get packed
    const median = await plainMs(net, x);
    const totals = new Map();
    const counts = new Map();
    let kernelMs = 0;
    for (let r = 0; r < runs; r++) {
      const { kernels } = await profileOnce(net, x);
      // Ops that wrap kernels (`fusedConv2d__op`) are profiled too: count the kernels only.
      for (const k of kernels.filter((k) => !k.name.endsWith('__op'))) {
        const g = group(k);
        totals.set(g, (totals.get(g) ?? 0) + k.kernelTimeMs / runs);
        if (r === 0) counts.set(g, (counts.get(g) ?? 0) + 1);
        kernelMs += k.kernelTimeMs / runs;
      }
    }
    const rows = [...totals].sort((a, b) => b[1] - a[1]);
    rows.push(['outside kernels (engine, tidy, bookkeeping)', Math.max(median - kernelMs, 0)]);
    // Shares of the kernels' time plus what is left outside them (under the profiler a kernel's
    // time can exceed its share of a plain run).
    const whole = Math.max(median, kernelMs);
    const dispatches = [...counts.values()].reduce((a, b) => a + b, 0);
    const title = `${model}, batch ${batch}: ${median.toFixed(1)} ms per predict (median of ${runs}), ${dispatches} kernel dispatches`;
    if (markdown) {
      console.log(`\n${title}\n\n| op type | dispatches | ms | share |\n|---|---:|---:|---:|`);
      for (const [g, ms] of rows)
        console.log(`| ${g} | ${counts.get(g) ?? '—'} | ${ms.toFixed(1)} | ${((100 * ms) / whole).toFixed(0)} % |`);
    } else {
      console.log(`\n${title}`);
      for (const [g, ms] of rows)
        console.log(
          `  ${g.padEnd(44)} ${String(counts.get(g) ?? '').padStart(4)} ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / whole).toFixed(0).padStart(4)} %`,
        );
    }
    x.dispose();
  }
}
process.exit(0); // the kernels' worker threads must not keep the process alive
