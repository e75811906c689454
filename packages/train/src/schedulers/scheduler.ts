import { OptionError } from '@convkit/core';
import type { BaseHyper, Optimizer } from '../optim/optimizer';

/** A scheduler's resumable state: plain numbers, so it serialises as JSON. */
export type SchedulerState = Record<string, number | number[]>;

/** What `fit` needs of a learning-rate scheduler (the epoch-based ones and ReduceLROnPlateau). */
export interface Scheduler {
  readonly optimizer: Optimizer<BaseHyper>;
  /** Advances one epoch or one iteration; ReduceLROnPlateau takes the monitored metric. */
  step(metric?: number): void;
  /** The learning rate of each parameter group after the last step. */
  getLastLr(): number[];
  stateDict(): SchedulerState;
  loadStateDict(state: SchedulerState): void;
}

/**
 * Base of the step-count schedulers, PyTorch's `LRScheduler`: on construction each group's
 * `initialLr` is set to its current lr (unless already set) and a first `step()` applies the
 * epoch-0 rate; every `step()` then sets `lr = lrAt(lastEpoch, initialLr)`. The rates are the
 * closed forms of PyTorch's recursive updates (equal up to float64 rounding, checked against
 * PyTorch in the tests); two such schedulers on one optimizer do not chain.
 */
export abstract class LRScheduler implements Scheduler {
  /** Number of `step()` calls so far minus one (PyTorch's `last_epoch`). */
  lastEpoch = -1;
  readonly baseLrs: number[];
  private lastLr: number[] = [];

  constructor(readonly optimizer: Optimizer<BaseHyper>) {
    for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
  }

  /** The learning rate of group `group` at step `epoch`. */
  protected abstract lrAt(epoch: number, baseLr: number, group: number): number;

  /** Subclasses call this at the end of their constructor, once their fields exist. */
  protected initialStep(): void {
    this.step();
  }

  step(): void {
    this.lastEpoch += 1;
    this.lastLr = this.optimizer.paramGroups.map((g, i) => {
      g.lr = this.lrAt(this.lastEpoch, this.baseLrs[i], i);
      return g.lr;
    });
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerState {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  /** Restores the step count (like PyTorch, the optimizer's lr comes from its own state dict). */
  loadStateDict(state: SchedulerState): void {
    const { lastEpoch, baseLrs, lastLr } = state;
    if (typeof lastEpoch !== 'number' || !Array.isArray(baseLrs) || baseLrs.length !== this.baseLrs.length) {
      throw new OptionError(
        'LRScheduler.loadStateDict',
        `expected {lastEpoch, baseLrs[${this.baseLrs.length}]}, got ${JSON.stringify(state)}`,
      );
    }
    this.lastEpoch = lastEpoch;
    this.baseLrs.splice(0, this.baseLrs.length, ...baseLrs);
    this.lastLr = Array.isArray(lastLr) ? [...lastLr] : [];
  }
}

export function checkPositiveInteger(where: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 1) throw new OptionError(where, `must be a positive integer, got ${value}`);
}

/** A multiplicative factor: any finite number >= 0 (PyTorch accepts gamma > 1 too). */
export function checkGamma(where: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new OptionError(where, `must be a finite number >= 0, got ${value}`);
}
