import type * as tf from '@tensorflow/tfjs-core';
import { type Module, OptionError } from '@convkit/core';
import type { BaseHyper, Optimizer } from '../optim/optimizer';
import type { Scheduler } from '../schedulers/scheduler';

/** One batch as `@convkit/data`'s `batches()` yields it: inputs and targets (class indices `[N]` for classification). */
export interface DataBatch {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** Training or validation data: re-iterable, one pass per epoch (`batches()` is). Async iterables work too. */
export type DataSource = Iterable<DataBatch> | AsyncIterable<DataBatch>;

/** `(model output, targets) → scalar loss`; the default is `crossEntropy`. */
export type LossFn = (output: tf.Tensor, targets: tf.Tensor) => tf.Scalar;

/** Progress after a batch (`type: 'batch'`) or an epoch (`type: 'epoch'`); indices are 0-based. */
export interface ProgressEvent {
  type: 'batch' | 'epoch';
  epoch: number;
  epochs: number;
  /** Index of the batch just finished (the last one for an epoch event). */
  batch: number;
  /** Batches per epoch; undefined until known (the data has no `length` and no epoch has ended). */
  batches: number | undefined;
  /** Mean training loss of the epoch so far (the whole epoch for an epoch event). */
  loss: number;
  /** The last batch's loss (batch events). */
  batchLoss?: number;
  /** Top-1 training accuracy of the epoch so far; undefined when the targets are not class indices. */
  accuracy: number | undefined;
  /** The first parameter group's learning rate: the one this batch used, or at the start of the epoch. */
  lr: number;
  examplesPerSec: number;
  /** Estimated seconds to the end of training (validation time not included); undefined while unknown. */
  etaSeconds: number | undefined;
  /** Epoch events with validation data. */
  valLoss?: number;
  valAccuracy?: number;
}

/** The metrics of one finished epoch; the names callbacks can monitor. */
export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  lr: number;
  seconds: number;
  [metric: string]: number | undefined;
}

/** What callbacks see and may change (`stopTraining`). */
export interface TrainContext {
  model: Module;
  optimizer: Optimizer<BaseHyper>;
  scheduler?: Scheduler;
  /** The epoch being trained or just finished. */
  epoch: number;
  epochs: number;
  history: EpochLogs[];
  /** Set to true to end training after the current epoch (early stopping). */
  stopTraining: boolean;
  /** Set when training ended with an error or an abort; callbacks should then only clean up. */
  error?: unknown;
}

/** Hooks called by `fit`, awaited in order. */
export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(logs: EpochLogs, ctx: TrainContext): void | Promise<void>;
  /** Always called, also after an error or abort (then `ctx.error` is set). */
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}

/** Resolves on the next macrotask, so a page can paint and handle input between batches. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** The value `monitor` names in the logs; an `OptionError` on `<where>.monitor` when it is absent. */
export function monitored(where: string, logs: EpochLogs, monitor: string): number {
  const value = logs[monitor];
  if (typeof value !== 'number') {
    const known = Object.keys(logs).filter((k) => typeof logs[k] === 'number');
    throw new OptionError(
      `${where}.monitor`,
      `expected a metric of the epoch logs (${known.join(', ')}), got '${monitor}'; pass valData to fit to monitor val* metrics`,
    );
  }
  return value;
}

/** 'auto' picks 'max' for accuracies and 'min' for everything else (losses). */
export function resolveMode(mode: 'min' | 'max' | 'auto', monitor: string): 'min' | 'max' {
  return mode === 'auto' ? (/acc/i.test(monitor) ? 'max' : 'min') : mode;
}
