// One benchmark configuration in its own process (so runtimes never share a heap or threads).
// Usage: node run-one.mjs RUNNER MODEL BATCH RUNS
//   RUNNER: convkit | tfjs-cpu | tfjs-wasm | onnx      MODEL: a torchvision name or small_cnn_train
// Prints one JSON line: {medianMs, minMs, maxMs, peakRssMB}.
import { join } from 'node:path';

const [runner, model, batchArg, runsArg] = process.argv.slice(2);
const batch = Number(batchArg);
const runs = Number(runsArg);
const ONNX_DIR = new URL('.cache/onnx/', import.meta.url).pathname;

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
  const session = await ort.InferenceSession.create(join(ONNX_DIR, `${model}.onnx`), { intraOpNumThreads: 2, interOpNumThreads: 1 });
  const input = new ort.Tensor('float32', new Float32Array(batch * 3 * 224 * 224).map(() => Math.random()), [batch, 3, 224, 224]);
  await measure(() => session.run({ input }));
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
  if (model === 'small_cnn_train') {
    const { smallCnnTrainStep } = await import('./small-cnn.mjs');
    const step = smallCnnTrainStep(batch);
    await measure(step, 2);
  } else {
    const { createModel } = await import('@convkit/models');
    const net = createModel(model, { seed: 0 }).eval();
    const x = tf.randomUniform([batch, 224, 224, 3]);
    await measure(() => net.predict(x).dispose(), runs > 2 ? 2 : 1);
  }
}
process.exit(0); // worker threads of the fast kernels must not keep the process alive
