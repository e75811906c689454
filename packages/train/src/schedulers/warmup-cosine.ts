import { OptionError } from '@convkit/core';
import type { BaseHyper, Optimizer } from '../optim/optimizer';
import { cosineAnnealing } from './cosine-annealing-lr';
import { checkPositiveInteger, LRScheduler } from './scheduler';

export interface WarmupCosineOptions {
  /** Steps of linear warm-up (0 for none). */
  warmupSteps: number;
  /** Warm-up plus cosine steps; the lr reaches `minLr` at this step. */
  totalSteps: number;
  /** The final learning rate (absolute, PyTorch's `eta_min`; default 0). */
  minLr?: number;
  /** The warm-up starts at `startFactor·lr` (default 0.01, torchvision's `lr_warmup_decay`). */
  startFactor?: number;
}

/**
 * Linear warm-up then cosine decay, exactly torchvision's reference recipe
 * `SequentialLR(opt, [LinearLR(opt, start_factor, total_iters=warmupSteps),
 * CosineAnnealingLR(opt, T_max=totalSteps - warmupSteps, eta_min=minLr)], milestones=[warmupSteps])`:
 * `lr = base·(s + (1-s)·t/W)` for t < W, then the cosine from `base` (at t = W) to `minLr` (at t = totalSteps).
 */
export class WarmupCosineLR extends LRScheduler {
  constructor(
    optimizer: Optimizer<BaseHyper>,
    readonly options: WarmupCosineOptions,
  ) {
    super(optimizer);
    const { warmupSteps, totalSteps, minLr = 0, startFactor = 0.01 } = options;
    if (!Number.isInteger(warmupSteps) || warmupSteps < 0)
      throw new OptionError('warmupCosine.warmupSteps', `must be an integer >= 0, got ${warmupSteps}`);
    checkPositiveInteger('warmupCosine.totalSteps', totalSteps);
    if (totalSteps <= warmupSteps)
      throw new OptionError('warmupCosine.totalSteps', `must exceed warmupSteps ${warmupSteps}, got ${totalSteps}`);
    if (!(minLr >= 0)) throw new OptionError('warmupCosine.minLr', `must be >= 0, got ${minLr}`);
    // PyTorch's LinearLR refuses 0: its recursive form divides by the previous factor.
    if (!(startFactor > 0 && startFactor <= 1)) throw new OptionError('warmupCosine.startFactor', `must be in (0, 1], got ${startFactor}`);
    this.initialStep();
  }

  protected lrAt(epoch: number, base: number): number {
    const { warmupSteps: w, totalSteps, minLr = 0, startFactor: s = 0.01 } = this.options;
    if (epoch < w) return base * (s + ((1 - s) * epoch) / w);
    return cosineAnnealing(epoch - w, totalSteps - w, base, minLr);
  }
}

/** Linear warm-up + cosine decay; see {@link WarmupCosineLR}. */
export function warmupCosine(optimizer: Optimizer<BaseHyper>, options: WarmupCosineOptions): WarmupCosineLR {
  return new WarmupCosineLR(optimizer, options);
}
