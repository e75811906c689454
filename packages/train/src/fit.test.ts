import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { ArrayDataset, batches } from '@convkit/data';
import { loadWeights } from '@convkit/weights';
import { describe, expect, it } from 'vitest';
import type { EncodedTensor } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import { loadFixtureState, smallCnn } from '@convkit/test-utils/small-cnn';
import {
  type Callback,
  crossEntropy,
  type DataBatch,
  EarlyStopping,
  evaluate,
  fit,
  type ProgressEvent,
  SGD,
  StepLR,
  ModelCheckpoint,
} from './index';

const fx = readJson<{ initial: Record<string, EncodedTensor> }>(new URL('./__fixtures__/optimizers.json', import.meta.url));

/** 24 random 8×8 images whose label is the brightest quadrant-ish class: learnable in a few epochs. */
function dataset(n = 24, seed = 1): ArrayDataset {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  const images = new Float32Array(n * 64);
  labels.forEach((label, i) => {
    for (let p = 0; p < 64; p++)
      images[i * 64 + p] = rand() + (Math.floor(p / 8) < 3 * (label + 1) && Math.floor(p / 8) >= 3 * label ? 1 : 0);
  });
  return new ArrayDataset({ images, labels, imageShape: [8, 8, 1] });
}

function model() {
  const m = smallCnn();
  loadFixtureState(m, fx.initial);
  return m;
}

const snapshot = (m: ReturnType<typeof smallCnn>) =>
  Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]));

describe('fit and evaluate', () => {
  it('trains (the loss falls), reports progress, restores modes, leaves no tensors behind', async () => {
    const net = model().eval();
    const train = batches(dataset(), { batchSize: 8, shuffle: true, seed: 0 });
    const val = batches(dataset(12, 7), { batchSize: 6 });
    const optimizer = new SGD(net.trainableParameters(), { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
    const events: ProgressEvent[] = [];
    const modes: boolean[] = [];
    let timerFired = false;
    setTimeout(() => (timerFired = true), 0);
    let firedBeforeEnd = false;
    const before = tf.memory().numTensors;
    const history = await fit(net, train, {
      epochs: 4,
      optimizer,
      valData: val,
      scheduler: new StepLR(optimizer, { stepSize: 2, gamma: 0.5 }),
      loss: (out, y) => {
        modes.push(net.training);
        return crossEntropy(out, y, { labelSmoothing: 0.05 });
      },
      onProgress: (e) => {
        events.push(e);
        if (e.type === 'epoch') firedBeforeEnd ||= timerFired;
      },
    });
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(net.training).toBe(false);
    expect(modes.slice(0, 3)).toEqual([true, true, true]); // training batches
    expect(modes).toContain(false); // validation
    expect(firedBeforeEnd).toBe(true); // a timer ran between batches: the event loop was not blocked
    expect(history.epochs.map((e) => e.lr)).toEqual([0.1, 0.1, 0.05, 0.05]);
    expect(history.epochs[3].loss).toBeLessThan(history.epochs[0].loss);
    expect(history.epochs[3].valAccuracy).toBeGreaterThan(0.5);
    const batchEvents = events.filter((e) => e.type === 'batch');
    expect(batchEvents.length).toBe(12);
    expect(batchEvents[4]).toMatchObject({ epoch: 1, epochs: 4, batch: 1, batches: 3, lr: 0.1 });
    for (const e of events) {
      expect(e.examplesPerSec).toBeGreaterThan(0);
      expect(e.etaSeconds).toBeGreaterThanOrEqual(0);
      expect(e.accuracy).toBeGreaterThanOrEqual(0);
    }
    expect(events.filter((e) => e.type === 'epoch').map((e) => e.valLoss)).toEqual(history.epochs.map((e) => e.valLoss));
    net.dispose();
  });

  it('evaluate: eval mode, mean loss and accuracy, modes restored', async () => {
    const net = model().train();
    const result = await evaluate(net, batches(dataset(12), { batchSize: 5 }));
    expect(result.examples).toBe(12);
    expect(result.batches).toBe(3);
    expect(result.loss).toBeGreaterThan(0);
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
    expect(net.training).toBe(true);
    net.dispose();
  });

  it('batch ownership: disposed after use by default; disposeBatches: false keeps a reusable array', async () => {
    const net = model();
    const data: DataBatch[] = [...batches(dataset(12), { batchSize: 6 })];
    const optimizer = new SGD(net.trainableParameters(), { lr: 0.01 });
    await fit(net, data, { epochs: 2, optimizer, disposeBatches: false });
    expect(data.every((b) => !b.x.isDisposed)).toBe(true);
    await expect(fit(net, data, { epochs: 2, optimizer })).rejects.toThrow(/batch 0: its tensors are disposed; .*disposeBatches: false/);
    const once = (function* () {
      yield* batches(dataset(6), { batchSize: 6 });
    })();
    await expect(fit(net, once, { epochs: 2, optimizer })).rejects.toThrow(/yielded no batches in epoch 1/);
    optimizer.dispose();
    net.dispose();
  });

  it('an AbortSignal stops training at the next batch and rejects with its reason', async () => {
    const net = model().eval();
    const controller = new AbortController();
    const optimizer = new SGD(net.trainableParameters(), { lr: 0.01 });
    const seen: number[] = [];
    const run = fit(net, batches(dataset(), { batchSize: 4 }), {
      epochs: 3,
      optimizer,
      signal: controller.signal,
      onProgress: (e) => {
        seen.push(e.batch);
        if (seen.length === 2) controller.abort(new Error('stop please'));
      },
    });
    await expect(run).rejects.toThrow('stop please');
    expect(seen.length).toBe(2);
    expect(net.training).toBe(false);
    optimizer.dispose();
    net.dispose();
  });

  it('callbacks run in order and every one sees onTrainEnd', async () => {
    const net = model();
    const calls: string[] = [];
    const cb: Callback = {
      onTrainBegin: () => void calls.push('begin'),
      onEpochEnd: async (logs) => void calls.push(`epoch ${logs.epoch}`),
      onTrainEnd: (ctx) => void calls.push(`end ${ctx.error ? 'error' : 'ok'}`),
    };
    const optimizer = new SGD(net.trainableParameters(), { lr: 0.01 });
    await fit(net, batches(dataset(8), { batchSize: 8 }), { epochs: 2, optimizer, callbacks: [cb] });
    expect(calls).toEqual(['begin', 'epoch 0', 'epoch 1', 'end ok']);
    optimizer.dispose();
    net.dispose();
  });

  it('ModelCheckpoint hands the best epoch to save() as safetensors that loadWeights reads', async () => {
    const net = model();
    const saved: { epoch: number; bytes: Uint8Array }[] = [];
    const optimizer = new SGD(net.trainableParameters(), { lr: 0.05, momentum: 0.9 });
    const checkpoint = new ModelCheckpoint({ monitor: 'loss', save: (bytes, info) => void saved.push({ epoch: info.epoch, bytes }) });
    await fit(net, batches(dataset(), { batchSize: 8 }), { epochs: 3, optimizer, callbacks: [checkpoint] });
    expect(saved.length).toBeGreaterThan(0);
    expect(saved.at(-1)?.epoch).toBe(checkpoint.bestEpoch);
    const copy = smallCnn();
    await loadWeights(copy, saved.at(-1)?.bytes as Uint8Array);
    if (checkpoint.bestEpoch === 2) expect(snapshot(copy)).toEqual(snapshot(net));
    optimizer.dispose();
    tf.dispose([net, copy].flatMap((m) => m.parameters()));
  });

  it('a callback monitoring a metric the logs lack rejects with an OptionError naming the option', async () => {
    const net = model();
    const optimizer = new SGD(net.trainableParameters(), { lr: 0.01 });
    const data = batches(dataset(8), { batchSize: 8 });
    const callbacks = { EarlyStopping: new EarlyStopping(), ModelCheckpoint: new ModelCheckpoint({ save: () => {} }) };
    for (const [name, callback] of Object.entries(callbacks)) {
      const run = fit(net, data, { epochs: 1, optimizer, callbacks: [callback] });
      await expect(run).rejects.toThrow(OptionError);
      await expect(run).rejects.toThrow(
        `${name}.monitor: expected a metric of the epoch logs (epoch, loss, lr, seconds, accuracy), got 'valLoss'; pass valData to fit to monitor val* metrics`,
      );
    }
    optimizer.dispose();
    net.dispose();
  });
});
