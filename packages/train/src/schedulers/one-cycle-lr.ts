import { OptionError } from '@convkit/core';
import type { BaseHyper, Optimizer, ParamGroup } from '../optim/optimizer';
import { checkPositiveInteger, LRScheduler } from './scheduler';

export interface OneCycleOptions {
  /** Peak learning rate, one for all groups or one per group. */
  maxLr: number | number[];
  /** Total number of steps; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the steps spent increasing the lr (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle SGD's `momentum` (Adam's β1) inversely to the lr between base and max (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  /** initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** fast.ai's three phases (up, down to the initial lr, annihilate) instead of two (default false). */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  lr: [start: 'initial' | 'max' | 'min', end: 'initial' | 'max' | 'min'];
  momentum: [start: 'base' | 'max', end: 'base' | 'max'];
}

/**
 * `torch.optim.lr_scheduler.OneCycleLR` (Smith's 1cycle), stepped once per batch. Like
 * PyTorch, construction sets each group's momentum (or β1) to `maxMomentum` when
 * `cycleMomentum` is on, and stepping past `totalSteps` throws.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: Phase[];
  private readonly lrs: { initial: number; max: number; min: number }[];

  constructor(
    optimizer: Optimizer<BaseHyper>,
    readonly options: OneCycleOptions,
  ) {
    super(optimizer);
    const { pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4, threePhase = false, annealStrategy = 'cos' } = options;
    const where = 'OneCycleLR';
    this.totalSteps = options.totalSteps ?? (options.epochs ?? NaN) * (options.stepsPerEpoch ?? NaN);
    checkPositiveInteger(`${where}.totalSteps (or epochs × stepsPerEpoch)`, this.totalSteps);
    if (!(pctStart >= 0 && pctStart <= 1)) throw new OptionError(`${where}.pctStart`, `must be in [0, 1], got ${pctStart}`);
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear')
      throw new OptionError(`${where}.annealStrategy`, `must be 'cos' or 'linear', got ${annealStrategy}`);
    const groups = optimizer.paramGroups;
    const maxLrs = Array.isArray(options.maxLr) ? options.maxLr : groups.map(() => options.maxLr as number);
    if (maxLrs.length !== groups.length || maxLrs.some((v) => !(v > 0))) {
      throw new OptionError(
        `${where}.maxLr`,
        `must be a positive number or ${groups.length} of them (one per group), got ${JSON.stringify(options.maxLr)}`,
      );
    }
    this.lrs = maxLrs.map((max) => ({ initial: max / divFactor, max, min: max / divFactor / finalDivFactor }));
    // PyTorch overwrites initial_lr with maxLr/divFactor: the base lr plays no part.
    groups.forEach((g, i) => {
      g.initialLr = this.lrs[i].initial;
      this.baseLrs[i] = this.lrs[i].initial;
    });
    const n = this.totalSteps;
    this.phases = threePhase
      ? [
          { endStep: pctStart * n - 1, lr: ['initial', 'max'], momentum: ['max', 'base'] },
          { endStep: 2 * pctStart * n - 2, lr: ['max', 'initial'], momentum: ['base', 'max'] },
          { endStep: n - 1, lr: ['initial', 'min'], momentum: ['max', 'max'] },
        ]
      : [
          { endStep: pctStart * n - 1, lr: ['initial', 'max'], momentum: ['max', 'base'] },
          { endStep: n - 1, lr: ['max', 'min'], momentum: ['base', 'max'] },
        ];
    if (this.cycleMomentum) for (const g of groups) setMomentum(g, this.momenta.max, where);
    this.initialStep();
  }

  private get cycleMomentum(): boolean {
    return this.options.cycleMomentum ?? true;
  }

  private get momenta(): { base: number; max: number } {
    return { base: this.options.baseMomentum ?? 0.85, max: this.options.maxMomentum ?? 0.95 };
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.options.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected lrAt(step: number, _base: number, group: number): number {
    if (step > this.totalSteps) {
      throw new OptionError('OneCycleLR.step', `stepped ${step} times, but totalSteps is ${this.totalSteps}`);
    }
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const phase = this.phases[i];
      if (step <= phase.endStep || i === this.phases.length - 1) {
        const pct = (step - start) / (phase.endStep - start);
        if (this.cycleMomentum) {
          const m = this.momenta;
          setMomentum(this.optimizer.paramGroups[group], this.anneal(m[phase.momentum[0]], m[phase.momentum[1]], pct), 'OneCycleLR');
        }
        const lrs = this.lrs[group];
        return this.anneal(lrs[phase.lr[0]], lrs[phase.lr[1]], pct);
      }
      start = phase.endStep;
    }
    return NaN; // unreachable: the last phase always matches
  }
}

/** SGD's `momentum` or Adam's `betas[0]`, as PyTorch's `use_beta1`. */
function setMomentum(group: ParamGroup<BaseHyper>, value: number, where: string): void {
  const g = group as ParamGroup<BaseHyper> & { momentum?: number; betas?: [number, number] };
  if (Array.isArray(g.betas)) g.betas = [value, g.betas[1]];
  else if (typeof g.momentum === 'number') g.momentum = value;
  else throw new OptionError(`${where}.cycleMomentum`, 'the optimizer has neither momentum nor betas; pass cycleMomentum: false');
}
