import { OptionError } from '@convkit/core';
import type { BaseHyper, Optimizer } from '../optim/optimizer';
import { checkPositiveInteger, LRScheduler } from './scheduler';

/** The cosine curve from `base` at t = 0 to `etaMin` at t = tMax (periodic beyond, as PyTorch's). */
export function cosineAnnealing(t: number, tMax: number, base: number, etaMin: number): number {
  return etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;
}

/** `CosineAnnealingLR` (SGDR without restarts): half a cosine from the base lr to `etaMin` over `tMax` steps. */
export class CosineAnnealingLR extends LRScheduler {
  constructor(
    optimizer: Optimizer<BaseHyper>,
    readonly options: { tMax: number; etaMin?: number },
  ) {
    super(optimizer);
    checkPositiveInteger('CosineAnnealingLR.tMax', options.tMax);
    if (!((options.etaMin ?? 0) >= 0)) throw new OptionError('CosineAnnealingLR.etaMin', `must be >= 0, got ${options.etaMin}`);
    this.initialStep();
  }

  protected lrAt(epoch: number, base: number): number {
    return cosineAnnealing(epoch, this.options.tMax, base, this.options.etaMin ?? 0);
  }
}
