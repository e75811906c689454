import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { FormatError, OptionError } from '@convkit/core';
import { ArrayDataset, batches } from '@convkit/data';
import { loadWeights, saveWeights } from '@convkit/weights';
import { describe, expect, it } from 'vitest';
import type { EncodedTensor } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import { loadFixtureState, smallCnn } from '@convkit/test-utils/small-cnn';
import {
  EarlyStopping,
  type EpochLogs,
  fit,
  loadTrainingState,
  ModelCheckpoint,
  ReduceLROnPlateau,
  saveTrainingState,
  SGD,
  StepLR,
  type TrainContext,
} from './index';
import { saveToFile } from './node';

const fx = readJson<{ initial: Record<string, EncodedTensor> }>(new URL('./__fixtures__/optimizers.json', import.meta.url));
const images = Float32Array.from({ length: 12 * 64 }, (_, i) => Math.sin(i * 0.37) + (i % 64 < 20 * ((i >> 6) % 3) ? 1 : 0));
const data = () =>
  batches(new ArrayDataset({ images, labels: Array.from({ length: 12 }, (_, i) => i % 3), imageShape: [8, 8, 1] }), { batchSize: 4 });
const values = (m: ReturnType<typeof smallCnn>) => Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]);

function setup(fromFixture = true) {
  const model = smallCnn();
  if (fromFixture) loadFixtureState(model, fx.initial);
  const optimizer = new SGD([{ params: model.getModule('0').parameters(), lr: 0.05 }, { params: model.getModule('2').parameters() }], {
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 5e-4,
  });
  const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: 0.5 });
  return { model, optimizer, scheduler };
}

describe('checkpoints and resume', () => {
  it('3 epochs straight equal 2 epochs + resume from a resumable checkpoint + 1 epoch, bit for bit', async () => {
    const a = setup();
    await fit(a.model, data(), { epochs: 3, optimizer: a.optimizer, scheduler: a.scheduler });

    const b = setup();
    let saved: Uint8Array | undefined;
    const checkpoint = new ModelCheckpoint({ resumable: true, saveBestOnly: false, save: (bytes) => void (saved = bytes) });
    await fit(b.model, data(), { epochs: 2, optimizer: b.optimizer, scheduler: b.scheduler, callbacks: [checkpoint] });

    const c = setup(false); // a fresh random model: everything must come from the checkpoint
    const before = tf.memory().numTensors;
    const history = await fit(c.model, data(), { epochs: 3, optimizer: c.optimizer, scheduler: c.scheduler, resumeFrom: saved });
    expect(history.epochs.map((e) => [e.epoch, e.lr])).toEqual([[2, 0.05 * 0.25]]);
    expect(values(c.model)).toEqual(values(a.model));
    expect(c.scheduler.getLastLr()).toEqual(a.scheduler.getLastLr());
    expect(tf.memory().numTensors).toBe(before + 5); // the restored momentum buffers, one per parameter
    for (const s of [a, b, c]) {
      s.optimizer.dispose();
      s.model.dispose();
    }
  });

  it('a training-state file still loads as weights, and a weights file is refused as training state', async () => {
    const s = setup();
    const g = Object.fromEntries(s.model.parameters().map((p) => [p.name, tf.onesLike(p)]));
    s.optimizer.step(g);
    const bytes = saveTrainingState(s, 4);
    const copy = smallCnn();
    await loadWeights(copy, bytes, { strict: false });
    expect(values(copy)).toEqual(values(s.model));
    const other = setup(false);
    expect(loadTrainingState(bytes, other)).toEqual({ epoch: 4 });
    expect(other.optimizer.stateDict().state[0].momentumBuffer).toBeInstanceOf(tf.Tensor);
    expect(() => loadTrainingState(saveWeights(copy), other)).toThrow(FormatError);
    const plateau = new ReduceLROnPlateau(other.optimizer);
    expect(() => loadTrainingState(saveTrainingState({ ...s, scheduler: plateau }, 0), { ...other, scheduler: plateau })).not.toThrow();
    expect(plateau.best).toBe(Infinity); // survives JSON
    tf.dispose(Object.values(g));
    for (const x of [s, other]) x.optimizer.dispose();
    [s.model, copy, other.model].forEach((m) => m.dispose());
  });

  it('saveToFile writes atomically, with {epoch} in the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convkit-train-'));
    try {
      const save = saveToFile(join(dir, 'ckpt', 'epoch-{epoch}.safetensors'));
      await save(new Uint8Array([1, 2, 3]), { epoch: 7, value: 1, logs: { epoch: 7, loss: 1, lr: 0.1, seconds: 1 }, resumable: false });
      expect(readdirSync(join(dir, 'ckpt'))).toEqual(['epoch-7.safetensors']);
      expect(Array.from(readFileSync(join(dir, 'ckpt', 'epoch-7.safetensors')))).toEqual([1, 2, 3]);
    } finally {
      rmSync(dir, { recursive: true });
    }
    expect(existsSync(dir)).toBe(false);
  });
});

describe('EarlyStopping', () => {
  const logs = (epoch: number, valLoss: number): EpochLogs => ({ epoch, loss: 1, valLoss, lr: 0.1, seconds: 1 });

  it('stops after `patience` epochs without an improvement larger than minDelta, and restores the best weights', () => {
    const model = smallCnn();
    const ctx: TrainContext = {
      model,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      epoch: 0,
      epochs: 10,
      history: [],
      stopTraining: false,
    };
    const stop = new EarlyStopping({ monitor: 'valLoss', patience: 2, minDelta: 0.01, restoreBestWeights: true });
    stop.onTrainBegin();
    const sequence = [1, 0.995, 0.98, 1.5];
    sequence.forEach((v, epoch) => {
      if (ctx.stopTraining) return;
      if (epoch === 1)
        model
          .getModule('2')
          .parameters()[1]
          .assign(tf.fill([3], 9)); // weights change after the best epoch
      ctx.history.push(logs(epoch, v));
      stop.onEpochEnd(logs(epoch, v), ctx);
    });
    // 0.995 is not 0.01 better than 1: bad epoch 1; 0.98 is: new best at epoch 2; then one bad epoch so far.
    expect([stop.bestEpoch, stop.stoppedEpoch, ctx.stopTraining]).toEqual([2, -1, false]);
    ctx.stopTraining = false;
    const more = new EarlyStopping({ patience: 1, restoreBestWeights: true });
    more.onTrainBegin();
    ctx.history = [logs(0, 1)];
    more.onEpochEnd(logs(0, 1), ctx);
    model
      .getModule('2')
      .parameters()[1]
      .assign(tf.fill([3], 5));
    ctx.history.push(logs(1, 2));
    more.onEpochEnd(logs(1, 2), ctx);
    expect([more.stoppedEpoch, ctx.stopTraining]).toEqual([1, true]);
    more.onTrainEnd(ctx);
    expect(Array.from(model.getModule('2').parameters()[1].dataSync())).toEqual([9, 9, 9]);
    expect(() => more.onEpochEnd({ epoch: 0, loss: 1, lr: 1, seconds: 1 }, ctx)).toThrow(OptionError);
    expect(() => more.onEpochEnd({ epoch: 0, loss: 1, lr: 1, seconds: 1 }, ctx)).toThrow(
      /^EarlyStopping\.monitor: expected a metric of the epoch logs \(epoch, loss, lr, seconds\), got 'valLoss'; pass valData/,
    );
    stop.onTrainEnd(ctx);
    model.dispose();
  });

  it('ends fit early (mode max on accuracy via auto)', async () => {
    const { model, optimizer } = setup();
    const stop = new EarlyStopping({ monitor: 'accuracy', patience: 0, minDelta: 2 }); // an impossible improvement
    const history = await fit(model, data(), { epochs: 5, optimizer, callbacks: [stop] });
    expect(history.epochs.length).toBe(2);
    expect(history.stoppedEarly).toBe(true);
    optimizer.dispose();
    model.dispose();
  });
});
