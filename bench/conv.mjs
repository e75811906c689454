// Kernel benchmark: convkit's wasm kernels (@convkit/backend-cpu) vs the original
// tfjs-backend-cpu kernels vs @tensorflow/tfjs-backend-wasm. Build first:
//   pnpm --filter @convkit/backend-cpu build && node bench/conv.mjs [--quick] [--no-tfjs-cpu]
// Prints median milliseconds and GFLOP/s (2·MACs / time). Never fails on timing.
import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { disableFastKernels, enableFastKernels, fastKernelsInfo } from '@convkit/backend-cpu';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const withTfjsCpu = !args.has('--no-tfjs-cpu');

// tfjs-backend-wasm is a devDependency of packages/backends/cpu (not of the root).
let wasmReady = false;
try {
  const require = createRequire(new URL('../packages/backends/cpu/package.json', import.meta.url));
  require('@tensorflow/tfjs-backend-wasm');
  wasmReady = true;
} catch (e) {
  console.log(`tfjs-backend-wasm not available: ${e.message}`);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// Runs fn, waits for the result's data, frees everything. (Do not return the data from
// tf.tidy: tidy walks a returned typed array element by element looking for tensors.)
function once(fn) {
  const y = tf.tidy(fn);
  y.dataSync();
  y.dispose();
}

// Median wall-clock ms, and median CPU ms of the whole process (all threads): on a busy shared
// host the CPU time of a one-thread run is far steadier than its wall-clock time.
function time(fn, { warmup = 2, runs = 7, budgetMs = 4000 } = {}) {
  for (let i = 0; i < warmup; i++) once(fn);
  const times = [];
  const cpu = [];
  const start = performance.now();
  for (let i = 0; i < runs && (i < 3 || performance.now() - start < budgetMs); i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    once(fn);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  return { wall: median(times), cpu: median(cpu) };
}

// ---- ResNet50-shaped forward pass (random weights, BN folded into conv bias) ----
function resnet50() {
  const convs = [];
  const conv = (cin, cout, k, stride, pad) => {
    const w = tf.randomNormal([k, k, cin, cout], 0, Math.sqrt(2 / (k * k * cin)));
    const b = tf.randomNormal([cout], 0, 0.01);
    const l = {
      w,
      b,
      stride,
      pad: [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ],
      macs: (hw) => hw * k * k * cin * cout,
    };
    convs.push(l);
    return l;
  };
  const stem = conv(3, 64, 7, 2, 3);
  const stages = [];
  let cin = 64;
  for (const [width, blocks, stride] of [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ]) {
    const stage = [];
    for (let i = 0; i < blocks; i++) {
      const s = i === 0 ? stride : 1;
      stage.push({
        c1: conv(cin, width, 1, 1, 0),
        c2: conv(width, width, 3, s, 1),
        c3: conv(width, width * 4, 1, 1, 0),
        down: i === 0 ? conv(cin, width * 4, 1, s, 0) : null,
      });
      cin = width * 4;
    }
    stages.push(stage);
  }
  const fc = { w: tf.randomNormal([2048, 1000], 0, 0.02), b: tf.zeros([1000]) };
  const apply = (l, x, activation = 'relu') => tf.fused.conv2d({ x, filter: l.w, strides: l.stride, pad: l.pad, bias: l.b, activation });
  const forward = (x) => {
    let y = apply(stem, x);
    y = tf.maxPool(y, 3, 2, 'same');
    for (const stage of stages) {
      for (const b of stage) {
        const id = b.down ? apply(b.down, y, 'linear') : y;
        const h = apply(b.c3, apply(b.c2, apply(b.c1, y)), 'linear');
        y = tf.relu(tf.add(h, id));
      }
    }
    const pooled = tf.mean(y, [1, 2]);
    return tf.fused.matMul({ a: pooled, b: fc.w, bias: fc.b });
  };
  return { forward, gflop: 8.2 };
}

const cases = [
  {
    name: '3×3 conv 56×56×64→64 (same)',
    gflop: (2 * 56 * 56 * 64 * 64 * 9) / 1e9,
    make: () => {
      const x = tf.randomNormal([1, 56, 56, 64]);
      const w = tf.randomNormal([3, 3, 64, 64]);
      return () => tf.conv2d(x, w, 1, 'same');
    },
  },
  {
    name: '1×1 conv 56×56×64→256',
    gflop: (2 * 56 * 56 * 64 * 256) / 1e9,
    make: () => {
      const x = tf.randomNormal([1, 56, 56, 64]);
      const w = tf.randomNormal([1, 1, 64, 256]);
      return () => tf.conv2d(x, w, 1, 'valid');
    },
  },
  {
    name: 'MatMul 784×1152 · 1152×128',
    gflop: (2 * 784 * 1152 * 128) / 1e9,
    make: () => {
      const a = tf.randomNormal([784, 1152]);
      const b = tf.randomNormal([1152, 128]);
      return () => tf.matMul(a, b);
    },
  },
  {
    name: '3×3 conv training step (fwd + dx + dW) 28×28×32→32, batch 8',
    noWasm: 'tfjs-backend-wasm has no Conv2DBackpropFilter',
    gflop: (3 * 2 * 8 * 28 * 28 * 32 * 32 * 9) / 1e9,
    make: () => {
      const x = tf.randomNormal([8, 28, 28, 32]);
      const w = tf.randomNormal([3, 3, 32, 32]);
      const dy = tf.randomNormal([8, 28, 28, 32]);
      const g = tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a, b, 1, 'same'), dy)));
      return () => tf.addN(g([x, w]).map((t) => tf.sum(t)));
    },
  },
  {
    name: 'ResNet50-shaped forward, batch 1, 224×224',
    gflop: 8.2,
    heavy: true,
    make: () => {
      const net = resnet50();
      const x = tf.randomNormal([1, 224, 224, 3]);
      return () => net.forward(x);
    },
  },
];

const ours = (options) => async () => {
  await tf.setBackend('cpu');
  enableFastKernels(options);
};
const configs = [
  { name: 'convkit, 2 threads', setup: ours({ threads: 2, relaxedSimd: false }) },
  { name: 'convkit, 1 thread', setup: ours({ threads: 1, relaxedSimd: false }) },
  { name: 'convkit, 2 threads, relaxed-SIMD', setup: ours({ threads: 2, enableV8RelaxedSimdFlag: true }) },
  ...(wasmReady
    ? [
        {
          name: 'tfjs-backend-wasm',
          setup: async () => {
            disableFastKernels();
            await tf.setBackend('wasm');
          },
        },
      ]
    : []),
  ...(withTfjsCpu
    ? [
        {
          name: 'tfjs-backend-cpu',
          slow: true,
          setup: async () => {
            disableFastKernels();
            await tf.setBackend('cpu');
          },
        },
      ]
    : []),
];

console.log(
  `machine: ${os.cpus()[0].model}, ${os.cpus().length} vCPU, Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
// The host's load drifts (shared machine), so the fast configurations are interleaved: each
// round sets every configuration up, warms it and times a few runs; the figure is the median
// over all rounds. tfjs-backend-cpu (100× slower) is timed once per workload.
const rounds = quick ? 2 : 5;
const results = [];
for (const c of cases) {
  const row = { name: c.name, gflop: c.gflop, ms: {} };
  const samples = Object.fromEntries(configs.map((cfg) => [cfg.name, []]));
  const cpuSamples = Object.fromEntries(configs.map((cfg) => [cfg.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const cfg of configs) {
      if (cfg.slow && round > 0) continue;
      if (c.noWasm && cfg.name === 'tfjs-backend-wasm') continue;
      await cfg.setup();
      if (cfg.name.includes('relaxed') && round === 0 && !fastKernelsInfo().relaxedSimd)
        console.log('(relaxed SIMD unavailable: plain SIMD)');
      const fn = c.make();
      const opts = cfg.slow ? { warmup: 1, runs: c.heavy ? 1 : 3 } : { warmup: 3, runs: c.heavy ? 3 : 5 };
      const t = time(fn, opts);
      samples[cfg.name].push(t.wall);
      cpuSamples[cfg.name].push(t.cpu);
    }
  }
  for (const cfg of configs) {
    const ms = samples[cfg.name].length ? median(samples[cfg.name]) : NaN;
    const cpuMs = cpuSamples[cfg.name].length ? median(cpuSamples[cfg.name]) : NaN;
    row.ms[cfg.name] = ms;
    (row.cpu ??= {})[cfg.name] = cpuMs;
    const what = Number.isNaN(ms)
      ? `n/a (${c.noWasm})`
      : `${ms.toFixed(2).padStart(9)} ms ${(c.gflop / (ms / 1e3)).toFixed(1).padStart(7)} GFLOP/s   cpu ${cpuMs.toFixed(1).padStart(8)} ms ${(c.gflop / (cpuMs / 1e3)).toFixed(1).padStart(6)} GFLOP/cpu-s`;
    console.log(`${c.name.padEnd(50)} ${cfg.name.padEnd(34)} ${what}`);
  }
  results.push(row);
}
await tf.setBackend('cpu');
enableFastKernels();
console.log(
  `\nload average after: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

const names = configs.map((c) => c.name);
console.log('\n| workload | ' + names.map((n) => `${n} ms (GFLOP/s)`).join(' | ') + ' | speed-up vs tfjs-cpu | vs tfjs-wasm |');
console.log('|---|' + names.map(() => '---:').join('|') + '|---:|---:|');
for (const r of results) {
  const ours = r.ms['convkit, 2 threads'];
  const cells = names.map((n) => (Number.isNaN(r.ms[n]) ? 'n/a' : `${r.ms[n].toFixed(1)} (${(r.gflop / (r.ms[n] / 1e3)).toFixed(1)})`));
  // Ratios are against our plain-SIMD 2-thread figure.
  const vsCpu = r.ms['tfjs-backend-cpu'] ? `${(r.ms['tfjs-backend-cpu'] / ours).toFixed(0)}×` : '—';
  const vsWasm = r.ms['tfjs-backend-wasm'] > 0 ? `${(r.ms['tfjs-backend-wasm'] / ours).toFixed(1)}×` : '—';
  console.log(`| ${r.name} | ${cells.join(' | ')} | ${vsCpu} | ${vsWasm} |`);
}

console.log('\nCPU time of the whole process (ms; GFLOP per CPU-second), all threads summed:');
console.log('\n| workload | ' + names.map((n) => `${n}`).join(' | ') + ' | convkit 1 thread vs tfjs-wasm (1 thread) |');
console.log('|---|' + names.map(() => '---:').join('|') + '|---:|');
for (const r of results) {
  const cells = names.map((n) => (Number.isNaN(r.cpu[n]) ? 'n/a' : `${r.cpu[n].toFixed(1)} (${(r.gflop / (r.cpu[n] / 1e3)).toFixed(1)})`));
  const w = r.cpu['tfjs-backend-wasm'];
  console.log(`| ${r.name} | ${cells.join(' | ')} | ${w > 0 ? `${(w / r.cpu['convkit, 1 thread']).toFixed(1)}×` : '—'} |`);
}
