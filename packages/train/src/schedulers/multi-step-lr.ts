import { OptionError } from '@convkit/core';
import type { BaseHyper, Optimizer } from '../optim/optimizer';
import { checkGamma, LRScheduler } from './scheduler';

/** `MultiStepLR`: multiply by `gamma` at each milestone (a repeated milestone counts twice). */
export class MultiStepLR extends LRScheduler {
  private readonly milestones: number[];

  constructor(
    optimizer: Optimizer<BaseHyper>,
    readonly options: { milestones: number[]; gamma?: number },
  ) {
    super(optimizer);
    if (!Array.isArray(options.milestones) || options.milestones.some((m) => !Number.isInteger(m) || m < 0)) {
      throw new OptionError('MultiStepLR.milestones', `must be non-negative integers, got ${JSON.stringify(options.milestones)}`);
    }
    checkGamma('MultiStepLR.gamma', options.gamma ?? 0.1);
    this.milestones = [...options.milestones].sort((a, b) => a - b);
    this.initialStep();
  }

  protected lrAt(epoch: number, base: number): number {
    const passed = this.milestones.filter((m) => m <= epoch).length;
    return base * (this.options.gamma ?? 0.1) ** passed;
  }
}
