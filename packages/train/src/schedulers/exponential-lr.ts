import type { BaseHyper, Optimizer } from '../optim/optimizer';
import { checkGamma, LRScheduler } from './scheduler';

/** `ExponentialLR`: `lr = base·gammaᵗ`. */
export class ExponentialLR extends LRScheduler {
  constructor(
    optimizer: Optimizer<BaseHyper>,
    readonly options: { gamma: number },
  ) {
    super(optimizer);
    checkGamma('ExponentialLR.gamma', options.gamma);
    this.initialStep();
  }

  protected lrAt(epoch: number, base: number): number {
    return base * this.options.gamma ** epoch;
  }
}
