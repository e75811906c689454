import * as tf from '@tensorflow/tfjs-core';
import { fastKernelsInfo } from '@convkit/backend-cpu';
import { selectBackend } from '@convkit/core';

/** The backend, and on 'cpu' the threads its kernels run on (helpers need a cross-origin isolated page). */
export function where(): string {
  const backend = tf.getBackend();
  if (backend !== 'cpu') return backend;
  const { enabled, helpersReady, threads } = fastKernelsInfo();
  const n = enabled && helpersReady ? threads : 1;
  return `cpu, ${n} thread${n === 1 ? '' : 's'}`;
}

/** Runs the model once; returns the logits and the wall time including the read-back. */
export async function timedPredict(
  model: { predict(x: tf.Tensor): tf.Tensor },
  x: tf.Tensor4D,
): Promise<{ logits: tf.Tensor; ms: number }> {
  const started = performance.now();
  const logits = model.predict(x);
  await logits.data();
  return { logits, ms: performance.now() - started };
}

/** First run (includes shader compilation on GPUs) and the median of three more, per backend, as rows of `body`. */
export async function measureBackends(
  body: HTMLTableSectionElement,
  model: { predict(x: tf.Tensor): tf.Tensor },
  input: () => tf.Tensor4D,
  say: (text: string) => void,
): Promise<void> {
  body.replaceChildren();
  const selected = tf.getBackend();
  for (const name of ['cpu', 'webgl', 'webgpu']) {
    const row = body.insertRow();
    row.insertCell().textContent = name;
    try {
      say(`measuring on ${name}…`);
      await selectBackend([name]);
      const x = input();
      const first = await timedPredict(model, x);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const run = await timedPredict(model, x);
        times.push(run.ms);
        run.logits.dispose();
      }
      tf.dispose([x, first.logits]);
      times.sort((a, b) => a - b);
      for (const v of [first.ms, times[1]]) Object.assign(row.insertCell(), { textContent: v.toFixed(1), className: 'num' });
    } catch (e) {
      Object.assign(row.insertCell(), { textContent: `unavailable: ${(e as Error).message}`, colSpan: 2 });
    }
  }
  await selectBackend([selected]);
  say(`measured; back on ${tf.getBackend()}`);
}
