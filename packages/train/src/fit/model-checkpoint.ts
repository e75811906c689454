import { OptionError } from '@convkit/core';
import { saveWeights } from '@convkit/weights';
import { saveTrainingState } from './training-state';
import { type Callback, type EpochLogs, monitored, resolveMode, type TrainContext } from './types';

export interface CheckpointInfo {
  epoch: number;
  /** The monitored value (undefined with `saveBestOnly: false` and no monitor in the logs). */
  value: number | undefined;
  logs: EpochLogs;
  resumable: boolean;
}

export interface ModelCheckpointOptions {
  /**
   * Receives the safetensors bytes; in Node `saveToFile(path)` from `@convkit/train/node`
   * writes them atomically. Awaited before training continues.
   */
  save: (bytes: Uint8Array, info: CheckpointInfo) => void | Promise<void>;
  monitor?: string;
  mode?: 'min' | 'max' | 'auto';
  /** Save only when the monitored metric improves (default true); false saves every epoch. */
  saveBestOnly?: boolean;
  /**
   * false (default): `saveWeights(model)`, the weights for `loadWeights`. true: a
   * `saveTrainingState` file (model + optimizer + scheduler + epoch) to pass as `fit`'s `resumeFrom`.
   */
  resumable?: boolean;
}

/** Saves the model after an epoch: the best one so far by `monitor` (default 'valLoss'), or every one. */
export class ModelCheckpoint implements Callback {
  best = NaN;
  bestEpoch = -1;
  private readonly options: Required<Omit<ModelCheckpointOptions, 'save'>> & Pick<ModelCheckpointOptions, 'save'>;

  constructor({ save, monitor = 'valLoss', mode = 'auto', saveBestOnly = true, resumable = false }: ModelCheckpointOptions) {
    if (typeof save !== 'function')
      throw new OptionError(
        'ModelCheckpoint.save',
        'must be a function receiving the bytes (Node: saveToFile(path) from @convkit/train/node)',
      );
    this.options = { save, monitor, mode, saveBestOnly, resumable };
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.bestEpoch = -1;
  }

  async onEpochEnd(logs: EpochLogs, ctx: TrainContext): Promise<void> {
    const { monitor, saveBestOnly, resumable, save } = this.options;
    let value: number | undefined;
    if (saveBestOnly) {
      value = monitored('ModelCheckpoint', logs, monitor);
      const sign = resolveMode(this.options.mode, monitor) === 'min' ? 1 : -1;
      if (!Number.isNaN(this.best) && !(sign * (this.best - value) > 0)) return;
      this.best = value;
      this.bestEpoch = logs.epoch;
    } else {
      value = typeof logs[monitor] === 'number' ? logs[monitor] : undefined;
    }
    const bytes = resumable ? saveTrainingState(ctx, logs.epoch) : saveWeights(ctx.model);
    await save(bytes, { epoch: logs.epoch, value, logs, resumable });
  }
}
