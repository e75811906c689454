import { OptionError } from '@convkit/core';
import type { BaseHyper, Optimizer } from '../optim/optimizer';
import type { Scheduler, SchedulerState } from './scheduler';

export interface ReduceLROnPlateauOptions {
  /** 'min': lower is better (a loss); 'max': higher is better (an accuracy). */
  mode?: 'min' | 'max';
  /** New lr = lr·factor (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Least change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel': relative to the best (best·(1∓threshold)); 'abs': best ∓ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, one for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
  /** Which `fit` metric to pass to `step` (default: 'valLoss' with validation data, else 'loss'). */
  monitor?: string;
}

/** `torch.optim.lr_scheduler.ReduceLROnPlateau`: `step(metric)` once per epoch. */
export class ReduceLROnPlateau implements Scheduler {
  lastEpoch = 0;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  readonly monitor?: string;
  private readonly o: Required<Omit<ReduceLROnPlateauOptions, 'minLr' | 'monitor'>>;
  private readonly minLrs: number[];
  private lastLr: number[];

  constructor(
    readonly optimizer: Optimizer<BaseHyper>,
    options: ReduceLROnPlateauOptions = {},
  ) {
    const where = 'ReduceLROnPlateau';
    const {
      mode = 'min',
      factor = 0.1,
      patience = 10,
      threshold = 1e-4,
      thresholdMode = 'rel',
      cooldown = 0,
      minLr = 0,
      eps = 1e-8,
    } = options;
    if (mode !== 'min' && mode !== 'max') throw new OptionError(`${where}.mode`, `must be 'min' or 'max', got ${mode}`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs')
      throw new OptionError(`${where}.thresholdMode`, `must be 'rel' or 'abs', got ${thresholdMode}`);
    if (!(factor >= 0 && factor < 1)) throw new OptionError(`${where}.factor`, `must be in [0, 1), got ${factor}`);
    for (const [k, v] of Object.entries({ patience, cooldown })) {
      if (!Number.isInteger(v) || v < 0) throw new OptionError(`${where}.${k}`, `must be an integer >= 0, got ${v}`);
    }
    const groups = optimizer.paramGroups.length;
    this.minLrs = Array.isArray(minLr) ? [...minLr] : Array.from({ length: groups }, () => minLr);
    if (this.minLrs.length !== groups) throw new OptionError(`${where}.minLr`, `expected one value per group (${groups}), got ${minLr}`);
    this.o = { mode, factor, patience, threshold, thresholdMode, cooldown, eps };
    this.monitor = options.monitor;
    this.best = mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private isBetter(a: number): boolean {
    const { mode, threshold, thresholdMode } = this.o;
    if (mode === 'min') return thresholdMode === 'rel' ? a < this.best * (1 - threshold) : a < this.best - threshold;
    return thresholdMode === 'rel' ? a > this.best * (threshold + 1) : a > this.best + threshold;
  }

  step(metric?: number): void {
    if (typeof metric !== 'number') throw new OptionError('ReduceLROnPlateau.step', `needs the monitored metric, got ${metric}`);
    this.lastEpoch += 1;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.o.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const reduced = Math.max(g.lr * this.o.factor, this.minLrs[i]);
        if (g.lr - reduced > this.o.eps) g.lr = reduced;
      });
      this.cooldownCounter = this.o.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerState {
    const { lastEpoch, best, numBadEpochs, cooldownCounter } = this;
    return { lastEpoch, best, numBadEpochs, cooldownCounter, lastLr: [...this.lastLr] };
  }

  loadStateDict(state: SchedulerState): void {
    for (const k of ['lastEpoch', 'best', 'numBadEpochs', 'cooldownCounter'] as const) {
      if (typeof state[k] !== 'number')
        throw new OptionError('ReduceLROnPlateau.loadStateDict', `${k} must be a number, got ${JSON.stringify(state[k])}`);
      this[k] = state[k] as number;
    }
    if (Array.isArray(state.lastLr)) this.lastLr = [...state.lastLr];
  }
}
