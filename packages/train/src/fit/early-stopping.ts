import * as tf from '@tensorflow/tfjs-core';
import type { StateDict } from '@convkit/core';
import { OptionError } from '@convkit/core';
import { type Callback, type EpochLogs, monitored, resolveMode, type TrainContext } from './types';

export interface EarlyStoppingOptions {
  /** An epoch-log name: 'valLoss' (default), 'valAccuracy', 'loss', 'accuracy', … */
  monitor?: string;
  /** Epochs without improvement before stopping (default 0: stop at the first). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  mode?: 'min' | 'max' | 'auto';
  /** At the end, load the weights and buffers of the best epoch (default false). */
  restoreBestWeights?: boolean;
}

/** Stops `fit` when the monitored metric stops improving, Keras' `EarlyStopping`. */
export class EarlyStopping implements Callback {
  best = NaN;
  bestEpoch = -1;
  /** The epoch after which training was stopped, or -1. */
  stoppedEpoch = -1;
  private wait = 0;
  private snapshot: StateDict | null = null;
  private readonly options: Required<EarlyStoppingOptions>;

  constructor({ monitor = 'valLoss', patience = 0, minDelta = 0, mode = 'auto', restoreBestWeights = false }: EarlyStoppingOptions = {}) {
    if (!Number.isInteger(patience) || patience < 0)
      throw new OptionError('EarlyStopping.patience', `must be an integer >= 0, got ${patience}`);
    if (!(minDelta >= 0)) throw new OptionError('EarlyStopping.minDelta', `must be >= 0, got ${minDelta}`);
    if (!['min', 'max', 'auto'].includes(mode)) throw new OptionError('EarlyStopping.mode', `must be 'min', 'max' or 'auto', got ${mode}`);
    this.options = { monitor, patience, minDelta, mode, restoreBestWeights };
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.wait = 0;
  }

  onEpochEnd(logs: EpochLogs, ctx: TrainContext): void {
    const { monitor, minDelta, patience, restoreBestWeights } = this.options;
    const value = monitored('EarlyStopping', logs, monitor);
    const sign = resolveMode(this.options.mode, monitor) === 'min' ? 1 : -1;
    if (Number.isNaN(this.best) || sign * (this.best - value) > minDelta) {
      this.best = value;
      this.bestEpoch = logs.epoch;
      this.wait = 0;
      // Clones share data with the variables, which later steps replace rather than overwrite.
      if (restoreBestWeights) this.keep(Object.fromEntries(Object.entries(ctx.model.stateDict()).map(([k, v]) => [k, tf.clone(v)])));
      return;
    }
    this.wait += 1;
    if (this.wait >= patience) {
      ctx.stopTraining = true;
      this.stoppedEpoch = logs.epoch;
    }
  }

  onTrainEnd(ctx: TrainContext): void {
    const last = ctx.history[ctx.history.length - 1];
    if (this.snapshot && !ctx.error && last && last.epoch !== this.bestEpoch) ctx.model.loadStateDict(this.snapshot);
    this.keep(null);
  }

  private keep(snapshot: StateDict | null): void {
    if (this.snapshot) tf.dispose(Object.values(this.snapshot));
    this.snapshot = snapshot;
  }
}
