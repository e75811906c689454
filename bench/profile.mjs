// Where an inference spends its time, per op type: every kernel of one predict (tf.profile), put
// in the groups the performance guide reports (depthwise convs, 1×1 convs, the SE blocks, SiLU, …),
// and the wall time outside kernels (tfjs's engine, tidy, bookkeeping).
// Build first, then: node bench/profile.mjs [model ...] [--batch 1,8] [--runs 5] [--markdown]
// --train profiles one SGD training step instead (see trainProfile below):
//   node bench/profile.mjs --train efficientnet_b0 mobilenet_v3_large --batch 8 --runs 3 [--shapes]
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
const train = args.includes('--train');

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

if (train) {
  await trainProfile(models.length ? models : ['efficientnet_b0', 'mobilenet_v3_large'], option('--batch', '8').split(',').map(Number));
  process.exit(0);
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

// ---- --train: one SGD step (train-mode forward, tf.variableGrads of cross-entropy, optimizer) ----
// Every 'cpu' kernel is wrapped with a timer (the CPU backend is synchronous, so a kernel's wall
// time is its time), which also sees its attributes (a backprop kernel's filter size) and the phase
// of the step it runs in: forward (and loss), backward, optimizer.

/** The group of a kernel of a training step, from its phase, name, shapes and attributes. */
function trainGroup({ phase, name, shapes, attrs }) {
  if (phase === 'optimizer') return 'optimizer (SGD update)';
  const [x, w] = shapes;
  const kind = (f) => (f && f[0] === 1 && f[1] === 1 ? '1×1' : f ? `${f[0]}×${f[1]}` : '?');
  const se = x && x.length === 4 && x[1] === 1 && x[2] === 1 ? ' (SE)' : '';
  if (phase === 'forward') {
    const depthwise = /Depthwise/.test(name) || (name === 'FusedConv' && attrs?.depthwise);
    if (depthwise) return 'forward: depthwise conv';
    if (/Conv2D|^FusedConv$/.test(name)) return `forward: conv${se ? ' (SE)' : ''}`;
    if (/BatchNorm/i.test(name)) return 'forward: batch norm (train)';
    if (/MatMul/.test(name)) return 'forward: fully connected';
    return 'forward: activations, SE, pooling, loss, elementwise';
  }
  if (name === 'Conv2DBackpropFilter') return `Conv2DBackpropFilter ${kind(attrs?.filterShape)}${se}`;
  if (name === 'Conv2DBackpropInput') return `Conv2DBackpropInput ${kind(w)}${se}`;
  if (name === 'DepthwiseConv2dNativeBackpropFilter' || name === 'DepthwiseConv2dNativeBackpropInput') return name;
  if (/BatchNorm/i.test(name)) return 'batch norm (train) gradient';
  if (/Pool/.test(name)) return 'pooling gradients';
  if (/MatMul/.test(name)) return 'fully connected gradient';
  if (/Grad$|^Step$/.test(name)) return 'activation gradients (SiluGrad, Step, …)';
  return 'backward: elementwise / reductions / other';
}

async function trainProfile(models, batches) {
  const { SGD, crossEntropy } = await import('@convkit/train');
  const records = [];
  let phase;
  for (const config of tf.getKernelsForBackend('cpu')) {
    const run = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, 'cpu');
    tf.registerKernel({
      ...config,
      kernelFunc: (a) => {
        if (!phase) return run(a);
        const t = performance.now();
        const out = run(a);
        const ms = performance.now() - t;
        const shapes = Object.values(a.inputs).map((i) => i?.shape);
        records.push({ phase, name: config.kernelName, ms, shapes, attrs: a.attrs });
        return out;
      },
    });
  }
  for (const model of models) {
    for (const batch of batches) {
      const net = createModel(model, { seed: 0 }).train();
      const params = net.trainableParameters();
      const optimizer = new SGD(params, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
      const x = tf.randomNormal([batch, 224, 224, 3]);
      const y = tf.randomUniform([batch], 0, 10, 'int32');
      const step = () => {
        phase = 'forward';
        const { value, grads } = tf.variableGrads(() => {
          const loss = crossEntropy(net.forward(x), y);
          phase = 'backward';
          return loss;
        }, params);
        phase = 'optimizer';
        optimizer.step(grads);
        phase = undefined;
        value.dataSync();
        tf.dispose([value, ...Object.values(grads)]);
      };
      step(); // warm-up: wasm tiers up, the optimizer's state is created
      records.length = 0;
      const walls = [];
      const perRun = [];
      for (let r = 0; r < runs; r++) {
        const from = records.length;
        const t = performance.now();
        step();
        walls.push(performance.now() - t);
        perRun.push(records.slice(from));
      }
      // The fastest run (the machine is shared): its wall time and its kernels.
      const best = walls.indexOf(Math.min(...walls));
      const kernels = perRun[best];
      const wall = walls[best];
      const totals = new Map();
      const counts = new Map();
      for (const k of kernels) {
        const g = trainGroup(k);
        totals.set(g, (totals.get(g) ?? 0) + k.ms);
        counts.set(g, (counts.get(g) ?? 0) + 1);
      }
      const kernelMs = kernels.reduce((a, k) => a + k.ms, 0);
      const rows = [...totals].sort((a, b) => b[1] - a[1]);
      rows.push(['outside kernels (engine, tape, tidy, bookkeeping)', Math.max(wall - kernelMs, 0)]);
      const rssMiB = process.resourceUsage().maxRSS / 1024;
      const title = `${model} training step, batch ${batch}: ${wall.toFixed(0)} ms (fastest of ${runs}; all: ${walls.map((w) => w.toFixed(0)).join(', ')}), ${kernels.length} kernel dispatches, peak RSS so far ${rssMiB.toFixed(0)} MiB`;
      if (markdown) {
        console.log(`\n${title}\n\n| op type | dispatches | ms | share |\n|---|---:|---:|---:|`);
        for (const [g, ms] of rows)
          console.log(`| ${g} | ${counts.get(g) ?? '—'} | ${ms.toFixed(1)} | ${((100 * ms) / wall).toFixed(1)} % |`);
      } else {
        console.log(`\n${title}`);
        for (const [g, ms] of rows)
          console.log(
            `  ${g.padEnd(52)} ${String(counts.get(g) ?? '').padStart(4)} ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / wall).toFixed(1).padStart(5)} %`,
          );
      }
      if (args.includes('--shapes')) {
        // The costliest gradient-kernel calls by shape, to pick what to optimise.
        const byShape = new Map();
        for (const k of kernels.filter((k) => k.phase === 'backward')) {
          const key = `${k.name} ${k.shapes.map((s) => `[${s}]`).join(' ')}${k.attrs?.filterShape ? ` f=[${k.attrs.filterShape}]` : ''} s=${k.attrs?.strides}`;
          const e = byShape.get(key) ?? { ms: 0, n: 0 };
          e.ms += k.ms;
          e.n++;
          byShape.set(key, e);
        }
        const byName = new Map();
        for (const k of kernels.filter((k) => k.phase === 'backward')) byName.set(k.name, (byName.get(k.name) ?? 0) + k.ms);
        console.log(
          `    backward by kernel: ${[...byName]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 14)
            .map(([n, ms]) => `${n} ${ms.toFixed(0)}`)
            .join(', ')}`,
        );
        for (const [key, e] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
          console.log(`    ${e.ms.toFixed(1).padStart(7)} ms ${String(e.n).padStart(3)}×  ${key}`);
      }
      tf.dispose([x, y]);
      optimizer.dispose?.();
    }
  }
}
