// The machine's WebAssembly SIMD peak: a loop of independent f32x4 multiply-adds (12 chains
// of acc = acc·m + b, what 15 SIMD registers hold) compiled with AssemblyScript, run on every
// thread at once. Reported in GFLOP/s (2 FLOPs per lane per multiply-add), plain SIMD and, where
// the runtime has it, relaxed SIMD (fused multiply-add).
// Usage: node bench/simd-peak.mjs [threads] [--json]   (or import { simdPeak } from it)
import asc from 'assemblyscript/asc';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

const CHAINS = 12;
const source = (relaxed) => {
  const step = relaxed ? (a) => `${a} = f32x4.relaxed_madd(${a}, m, b);` : (a) => `${a} = f32x4.add(f32x4.mul(${a}, m), b);`;
  const accs = Array.from({ length: CHAINS }, (_, i) => `a${i}`);
  return `export function peak(iters: i32): f32 {
  const m = f32x4.splat(0.999), b = f32x4.splat(0.001);
  let ${accs.map((a, i) => `${a} = f32x4.splat(${i + 1})`).join(', ')};
  for (let i = 0; i < iters; i++) { ${accs.map(step).join(' ')} }
  let s = ${accs
    .join(' ')
    .replace(/ /g, ', ')
    .split(', ')
    .reduce((e, a) => (e ? `f32x4.add(${e}, ${a})` : a), '')};
  return f32x4.extract_lane(s, 0);
}`;
};

async function compile(relaxed) {
  const { binary, error, stderr } = await asc.compileString(source(relaxed), {
    optimizeLevel: 3,
    runtime: 'stub',
    noAssert: true,
    enable: relaxed ? ['simd', 'relaxed-simd'] : ['simd'],
  });
  if (error) throw new Error(`simd-peak: ${error.message}\n${stderr}`);
  return binary;
}

// Each worker warms up, then times a fixed number of iterations; all start together.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { peak } = new WebAssembly.Instance(new WebAssembly.Module(workerData.binary)).exports;
peak(2e6);
parentPort.on('message', (iters) => {
  const t = performance.now();
  peak(iters);
  parentPort.postMessage(performance.now() - t);
});`;

async function measure(binary, threads, iters = 4e7) {
  const workers = Array.from({ length: threads }, () => new Worker(workerSource, { eval: true, workerData: { binary } }));
  try {
    await new Promise((r) => setTimeout(r, 200));
    const ms = await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) => {
            w.once('message', resolve);
            w.postMessage(iters);
          }),
      ),
    );
    const flops = iters * CHAINS * 4 * 2;
    return ms.reduce((sum, t) => sum + flops / (t / 1000) / 1e9, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** `{ threads, simd, relaxed }`: GFLOP/s on `threads` threads (relaxed is undefined where unsupported). */
export async function simdPeak(threads = Math.min(os.availableParallelism?.() ?? os.cpus().length, 16)) {
  const simd = await measure(await compile(false), threads);
  const relaxedBinary = await compile(true);
  const relaxed = WebAssembly.validate(relaxedBinary) ? await measure(relaxedBinary, threads) : undefined;
  return { threads, simd, relaxed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const json = process.argv.includes('--json');
  const threads = process.argv.slice(2).find((a) => /^\d+$/.test(a));
  const r = await simdPeak(threads ? Number(threads) : undefined);
  if (json) {
    console.log(JSON.stringify(r));
    process.exit(0);
  }
  console.log(
    `${r.threads} threads: ${r.simd.toFixed(0)} GFLOP/s plain SIMD, ${r.relaxed ? `${r.relaxed.toFixed(0)} GFLOP/s relaxed SIMD` : 'relaxed SIMD not available (node --experimental-wasm-relaxed-simd)'}`,
  );
}
