// One benchmark configuration in its own process (so runtimes never share a heap or threads).
// Usage: node run-one.mjs RUNNER MODEL BATCH RUNS
//   RUNNER: convkit | convkit-ort | convkit-import | tfjs-cpu | tfjs-wasm | onnx | onnx-web
//   MODEL: a torchvision name, or small_cnn_train / <name>_train for a training step
// `onnx` and `onnx-web` run torchvision's ONNX export; `convkit-ort` runs convkit's own model
// exported by toOnnxRuntime on onnxruntime-node; `convkit-import` runs torchvision's ONNX export
// imported by importOnnx on convkit's CPU backend. Every runner uses the same thread count.
// Prints one JSON line: {medianMs, minMs, maxMs, peakRssMB}.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

const [runner, model, batchArg, runsArg] = process.argv.slice(2);
const batch = Number(batchArg);
const runs = Number(runsArg);
const ONNX_DIR = new URL('.cache/onnx/', import.meta.url).pathname;
// convkit's CPU backend runs on every available CPU (at most 16): the peers get as many threads.
const THREADS = Math.min(os.availableParallelism?.() ?? os.cpus().length, 16);
const nchw = () => new Float32Array(batch * 3 * 224 * 224).map(() => Math.random());

function report(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ medianMs: sorted[Math.floor(sorted.length / 2)], minMs: sorted[0], maxMs: sorted.at(-1), peakRssMB }));
}

async function measure(step, warmup = 2) {
  for (let i = 0; i < warmup; i++) await step();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await step();
    times.push(performance.now() - t);
  }
  report(times);
}

if (runner === 'onnx') {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(ONNX_DIR, `${model}.onnx`), { intraOpNumThreads: THREADS, interOpNumThreads: 1 });
  const input = new ort.Tensor('float32', nchw(), [batch, 3, 224, 224]);
  await measure(() => session.run({ input }));
} else if (runner === 'onnx-web') {
  // onnxruntime-web's WebAssembly backend (SIMD, threads on workers): the same instruction set as convkit.
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = THREADS;
  const session = await ort.InferenceSession.create(join(ONNX_DIR, `${model}.onnx`), { executionProviders: ['wasm'] });
  const input = new ort.Tensor('float32', nchw(), [batch, 3, 224, 224]);
  await measure(() => session.run({ input }));
} else if (runner === 'convkit-ort') {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@convkit/backend-cpu');
  const { createModel } = await import('@convkit/models');
  const { toOnnxRuntime } = await import('@convkit/onnx');
  const predictor = await toOnnxRuntime(createModel(model, { seed: 0 }), {
    inputShape: [batch, 224, 224, 3],
    sessionOptions: { intraOpNumThreads: THREADS, interOpNumThreads: 1 },
  });
  const x = tf.randomUniform([batch, 224, 224, 3]);
  await measure(async () => (await predictor.predict(x)).dispose());
} else if (runner === 'convkit-import') {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@convkit/backend-cpu');
  await tf.setBackend('cpu');
  const { importOnnx } = await import('@convkit/onnx');
  const net = (await importOnnx(readFileSync(join(ONNX_DIR, `${model}.onnx`)))).eval();
  const x = tf.randomUniform([batch, 224, 224, 3]);
  await measure(() => net.predict(x).dispose(), runs > 2 ? 2 : 1);
} else {
  const tf = await import('@tensorflow/tfjs-core');
  const cpu = await import('@convkit/backend-cpu');
  if (runner === 'tfjs-cpu') cpu.disableFastKernels();
  if (runner === 'tfjs-wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
  } else {
    await tf.setBackend('cpu');
  }
  if (tf.getBackend() !== (runner === 'tfjs-wasm' ? 'wasm' : 'cpu')) throw new Error(`backend is ${tf.getBackend()}`);
  if (model.endsWith('_train')) {
    const { trainStep } = await import('./train-step.mjs');
    await measure(trainStep(model.slice(0, -'_train'.length), batch), 2);
  } else {
    const { createModel } = await import('@convkit/models');
    const net = createModel(model, { seed: 0 }).eval();
    const x = tf.randomUniform([batch, 224, 224, 3]);
    await measure(() => net.predict(x).dispose(), runs > 2 ? 2 : 1);
  }
}
process.exit(0); // worker threads of the fast kernels must not keep the process alive
