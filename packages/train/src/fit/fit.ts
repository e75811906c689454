import * as tf from '@tensorflow/tfjs-core';
import { type Module, OptionError } from '@convkit/core';
import { clipGradNorm } from '../clip';
import { crossEntropy } from '../losses/cross-entropy';
import { countTopK } from '../metrics/accuracy';
import type { BaseHyper, Optimizer } from '../optim/optimizer';
import { ReduceLROnPlateau } from '../schedulers/reduce-lr-on-plateau';
import type { Scheduler } from '../schedulers/scheduler';
import { evaluate } from './evaluate';
import { checkBatch, saveModes, throwIfAborted } from './modes';
import { loadTrainingState } from './training-state';
import {
  type Callback,
  type DataBatch,
  type DataSource,
  type EpochLogs,
  type LossFn,
  type ProgressEvent,
  type TrainContext,
  yieldToEventLoop,
} from './types';

export interface FitOptions {
  /** Train until this many epochs are done (counting those of a resumed run). */
  epochs: number;
  optimizer: Optimizer<BaseHyper>;
  /** Default `crossEntropy` (logits `[N, C]`, class indices `[N]`). */
  loss?: LossFn;
  valData?: DataSource;
  scheduler?: Scheduler;
  /** When the scheduler steps: after every 'epoch' (default) or every 'batch' (OneCycleLR, warm-up in iterations). ReduceLROnPlateau always steps per epoch. */
  schedulerInterval?: 'epoch' | 'batch';
  /** Clip the gradients' total 2-norm to this before each step (`clipGradNorm`). */
  clipGradNorm?: number;
  callbacks?: Callback[];
  onProgress?: (event: ProgressEvent) => void;
  /** Aborting rejects `fit` with the signal's reason at the next batch; the model keeps the steps done. */
  signal?: AbortSignal;
  /**
   * Ownership of the batches: by default `fit` owns every yielded `x` and `y` and disposes them
   * after use (as `batches()` hands them over). Pass false when the data yields the same tensors
   * every epoch (an array of batches); they then stay yours.
   */
  disposeBatches?: boolean;
  /** A `saveTrainingState` checkpoint (e.g. from `ModelCheckpoint({ resumable: true })`): restores model, optimizer, scheduler and continues after its epoch. */
  resumeFrom?: Uint8Array;
  /** The first epoch to run (0-based) when not resuming from a checkpoint; default 0. */
  initialEpoch?: number;
}

export interface History {
  epochs: EpochLogs[];
  /** True when a callback stopped training before `epochs`. */
  stoppedEarly: boolean;
}

/**
 * Trains `model` PyTorch-style: per batch `tf.variableGrads(loss(model.forward(x), y))` over the
 * trainable parameters, optional gradient clipping, `optimizer.step(grads)`, everything disposed.
 * The model is in `train()` mode during training, `eval()` for validation, and its modes are
 * restored at the end. Yields to the event loop after every batch.
 */
export async function fit(model: Module, trainData: DataSource, options: FitOptions): Promise<History> {
  const {
    epochs,
    optimizer,
    loss = crossEntropy as LossFn,
    valData,
    scheduler,
    callbacks = [],
    onProgress,
    signal,
    disposeBatches = true,
  } = options;
  const schedulerInterval = options.schedulerInterval ?? 'epoch';
  if (!Number.isInteger(epochs) || epochs < 0) throw new OptionError('fit.epochs', `must be an integer >= 0, got ${epochs}`);
  if (!optimizer || typeof optimizer.step !== 'function')
    throw new OptionError('fit.optimizer', 'is required (e.g. new SGD(model.trainableParameters(), { lr: 0.01 }))');
  if (schedulerInterval !== 'epoch' && schedulerInterval !== 'batch')
    throw new OptionError('fit.schedulerInterval', `must be 'epoch' or 'batch', got ${schedulerInterval}`);
  if (scheduler && scheduler.optimizer !== optimizer)
    throw new OptionError('fit.scheduler', 'schedules a different optimizer than fit.optimizer');
  const variables = model.trainableParameters();
  if (variables.length === 0) throw new OptionError('fit', 'the model has no trainable parameters (everything is frozen)');

  let start = options.initialEpoch ?? 0;
  if (options.resumeFrom) start = loadTrainingState(options.resumeFrom, { model, optimizer, scheduler }).epoch + 1;
  const ctx: TrainContext = { model, optimizer, scheduler, epoch: start, epochs, history: [], stopTraining: false };
  const plateau = scheduler instanceof ReduceLROnPlateau;
  const declared = (trainData as { length?: unknown }).length;
  let batchesPerEpoch = typeof declared === 'number' ? declared : undefined;
  const secondsPerBatch: number[] = [];
  const restore = saveModes(model);
  try {
    for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
    for (let epoch = start; epoch < epochs && !ctx.stopTraining; epoch++) {
      ctx.epoch = epoch;
      const epochStart = now();
      let [lossSum, correct, examples, batch, classified] = [0, 0, 0, 0, true];
      const lrOfEpoch = optimizer.paramGroups[0].lr;
      model.train();
      for await (const item of trainData) {
        throwIfAborted(signal);
        checkBatch('fit', item, batch);
        const lr = optimizer.paramGroups[0].lr;
        const batchStart = now();
        let result: { loss: number; correct: number | undefined; n: number };
        try {
          result = await trainStep(model, variables, item, loss, optimizer, options.clipGradNorm);
        } finally {
          if (disposeBatches) tf.dispose([item.x, item.y]);
        }
        lossSum += result.loss * result.n;
        examples += result.n;
        if (result.correct === undefined) classified = false;
        else correct += result.correct;
        if (schedulerInterval === 'batch' && scheduler && !plateau) scheduler.step();
        secondsPerBatch.push(now() - batchStart);
        const elapsed = now() - epochStart;
        const remaining = batchesPerEpoch === undefined ? undefined : batchesPerEpoch - batch - 1 + (epochs - epoch - 1) * batchesPerEpoch;
        onProgress?.({
          type: 'batch',
          epoch,
          epochs,
          batch,
          batches: batchesPerEpoch,
          loss: lossSum / examples,
          batchLoss: result.loss,
          accuracy: classified ? correct / examples : undefined,
          lr,
          examplesPerSec: examples / elapsed,
          etaSeconds: remaining === undefined ? undefined : remaining * mean(secondsPerBatch.slice(-50)),
        });
        batch += 1;
        await yieldToEventLoop();
      }
      if (batch === 0) {
        throw new OptionError(
          'fit.trainData',
          `yielded no batches in epoch ${epoch}; a generator can be iterated only once: pass a re-iterable such as batches()`,
        );
      }
      batchesPerEpoch = batch;
      const seconds = now() - epochStart;
      const logs: EpochLogs = { epoch, loss: lossSum / examples, lr: lrOfEpoch, seconds };
      if (classified) logs.accuracy = correct / examples;
      if (valData) {
        const val = await evaluate(model, valData, { loss, disposeBatches, signal });
        logs.valLoss = val.loss;
        if (val.accuracy !== undefined) logs.valAccuracy = val.accuracy;
      }
      if (scheduler && plateau) scheduler.step(logs[(scheduler as ReduceLROnPlateau).monitor ?? (valData ? 'valLoss' : 'loss')]);
      else if (scheduler && schedulerInterval === 'epoch') scheduler.step();
      ctx.history.push(logs);
      onProgress?.({
        type: 'epoch',
        epoch,
        epochs,
        batch: batch - 1,
        batches: batch,
        loss: logs.loss,
        accuracy: logs.accuracy,
        lr: lrOfEpoch,
        examplesPerSec: examples / seconds,
        etaSeconds: (epochs - epoch - 1) * seconds,
        valLoss: logs.valLoss,
        valAccuracy: logs.valAccuracy,
      });
      for (const cb of callbacks) await cb.onEpochEnd?.(logs, ctx);
    }
  } catch (error) {
    ctx.error = error;
    throw error;
  } finally {
    restore();
    for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
  }
  return { epochs: ctx.history, stoppedEarly: ctx.stopTraining && (ctx.history.at(-1)?.epoch ?? epochs) < epochs - 1 };
}

/** One optimisation step; reads back the loss (and the number correct) without blocking the thread. */
async function trainStep(
  model: Module,
  variables: tf.Variable[],
  { x, y }: DataBatch,
  loss: LossFn,
  optimizer: Optimizer<BaseHyper>,
  maxNorm: number | undefined,
): Promise<{ loss: number; correct: number | undefined; n: number }> {
  let correctT: tf.Scalar | null = null;
  let value: tf.Scalar | undefined;
  try {
    const result = tf.variableGrads(() => {
      const out = model.forward(x);
      // Counted inside the tape from the same forward pass; kept so the tape's tidy does not free it.
      if (out.rank === 2 && y.rank === 1) correctT = tf.keep(countTopK(out, y));
      return loss(out, y);
    }, variables);
    value = result.value;
    try {
      if (maxNorm !== undefined) clipGradNorm(result.grads, maxNorm);
      optimizer.step(result.grads);
    } finally {
      tf.dispose(Object.values(result.grads));
    }
    const counted = correctT as tf.Scalar | null;
    const [l, c] = await Promise.all([value.data(), counted?.data()]);
    return { loss: l[0], correct: c?.[0], n: x.shape[0] ?? 1 };
  } finally {
    tf.dispose([value, correctT].filter((t): t is tf.Scalar => t !== null && t !== undefined));
  }
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now()) / 1000;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
