import { OptionError } from '@convkit/core';
import type { BaseHyper, Optimizer } from '../optim/optimizer';
import { LRScheduler } from './scheduler';

/** `LambdaLR`: `lr = base·lrLambda(t)`; one function for all groups or one per group. */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];

  constructor(optimizer: Optimizer<BaseHyper>, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[]) {
    super(optimizer);
    const n = optimizer.paramGroups.length;
    this.lambdas = Array.isArray(lrLambda) ? lrLambda : Array.from({ length: n }, () => lrLambda);
    if (this.lambdas.length !== n || this.lambdas.some((f) => typeof f !== 'function')) {
      throw new OptionError('LambdaLR.lrLambda', `must be a function or ${n} functions (one per group)`);
    }
    this.initialStep();
  }

  protected lrAt(epoch: number, base: number, group: number): number {
    return base * this.lambdas[group](epoch);
  }
}
