import * as tf from '@tensorflow/tfjs-core';
import { fastKernelsInfo } from '@convkit/backend-cpu';
import { createModel } from '@convkit/models';
import { userModelInfo } from '../model-name';
import type { Command } from 'commander';
import { positiveInt } from '../format';

interface BenchOptions {
  batch: number;
  input?: number;
  runs: number;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('time inference of a model on this machine (the comparison with other runtimes is bench/models.mjs)')
    .argument('[model]', 'model name', 'resnet50')
    .option('--batch <n>', 'images per batch', positiveInt('--batch'), 1)
    .option('--input <size>', 'input height and width (default: the model’s eval size)', positiveInt('--input'))
    .option('--runs <n>', 'timed runs after two warm-up runs', positiveInt('--runs'), 10)
    .action((name: string, opts: BenchOptions) => {
      const entry = userModelInfo(name);
      const size = opts.input ?? entry.inputSize;
      const model = createModel(name, { seed: 0 }).eval();
      const x = tf.randomUniform([opts.batch, size, size, 3]);
      const run = () => {
        const started = performance.now();
        const y = model.predict(x);
        y.dataSync();
        y.dispose();
        return performance.now() - started;
      };
      run();
      run();
      const times = Array.from({ length: opts.runs }, run).sort((a, b) => a - b);
      const info = fastKernelsInfo();
      const simd = info.simd ? `SIMD on, relaxed SIMD ${info.relaxedSimd ? 'on' : 'off'}` : 'SIMD off';
      console.log(`${name}, batch ${opts.batch}, ${size}×${size}, backend ${tf.getBackend()} (${info.threads} thread(s), ${simd})`);
      console.log(
        `median ${times[Math.floor(times.length / 2)].toFixed(1)} ms, min ${times[0].toFixed(1)} ms, max ${times.at(-1)?.toFixed(1)} ms over ${opts.runs} runs`,
      );
      console.log(
        `${((1000 * opts.batch) / times[Math.floor(times.length / 2)]).toFixed(1)} images/s; peak memory ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
      );
      tf.dispose(x);
      model.dispose();
      process.exit(0); // the kernels' worker thread must not keep the process waiting
    });
}
