import type { BaseHyper, Optimizer } from '../optim/optimizer';
import { checkGamma, checkPositiveInteger, LRScheduler } from './scheduler';

/** `torch.optim.lr_scheduler.StepLR`: multiply by `gamma` every `stepSize` steps. */
export class StepLR extends LRScheduler {
  constructor(
    optimizer: Optimizer<BaseHyper>,
    readonly options: { stepSize: number; gamma?: number },
  ) {
    super(optimizer);
    checkPositiveInteger('StepLR.stepSize', options.stepSize);
    checkGamma('StepLR.gamma', options.gamma ?? 0.1);
    this.initialStep();
  }

  protected lrAt(epoch: number, base: number): number {
    return base * (this.options.gamma ?? 0.1) ** Math.floor(epoch / this.options.stepSize);
  }
}
