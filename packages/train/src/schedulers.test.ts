import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { readJson } from '@convkit/test-utils/node';
import {
  Adam,
  CosineAnnealingLR,
  ExponentialLR,
  MultiStepLR,
  OneCycleLR,
  type Optimizer,
  type BaseHyper,
  ReduceLROnPlateau,
  type Scheduler,
  SGD,
  StepLR,
  warmupCosine,
} from './index';

interface Schedule {
  lrs: number[][];
  momenta: number[][];
  metrics: number[] | null;
}

const fx = readJson<{ schedules: Record<string, Schedule> }>(new URL('./__fixtures__/schedulers.json', import.meta.url));
const variables: tf.Variable[] = [];

/** The fixture's optimizer: two groups, lr 0.1 and 0.01, momentum 0.9 (SGD) or betas (Adam). */
function optimizer(kind: 'sgd' | 'adam' = 'sgd'): Optimizer<BaseHyper> {
  const [a, b] = [tf.variable(tf.scalar(0)), tf.variable(tf.scalar(0))];
  variables.push(a, b);
  const groups = [{ params: [a] }, { params: [b], lr: 0.01 }];
  return kind === 'sgd' ? new SGD(groups, { lr: 0.1, momentum: 0.9 }) : new Adam(groups, { lr: 0.1 });
}

const builders: Record<string, () => Scheduler> = {
  stepLR: () => new StepLR(optimizer(), { stepSize: 7, gamma: 0.5 }),
  multiStepLR: () => new MultiStepLR(optimizer(), { milestones: [5, 12, 12, 20], gamma: 0.3 }),
  exponentialLR: () => new ExponentialLR(optimizer(), { gamma: 0.9 }),
  cosineAnnealingLR: () => new CosineAnnealingLR(optimizer(), { tMax: 10, etaMin: 0.001 }),
  warmupCosine: () => warmupCosine(optimizer(), { warmupSteps: 5, totalSteps: 30, minLr: 1e-4, startFactor: 0.01 }),
  oneCycleLR: () => new OneCycleLR(optimizer(), { maxLr: [0.5, 0.05], totalSteps: 30 }),
  oneCycleLRThreePhaseLinear: () =>
    new OneCycleLR(optimizer('adam'), {
      maxLr: 0.4,
      totalSteps: 30,
      pctStart: 0.25,
      annealStrategy: 'linear',
      threePhase: true,
      divFactor: 10,
      finalDivFactor: 100,
    }),
  reduceLROnPlateau: () =>
    new ReduceLROnPlateau(optimizer(), { mode: 'min', factor: 0.5, patience: 2, threshold: 0.01, cooldown: 1, minLr: [0.02, 0.001] }),
  reduceLROnPlateauMaxAbs: () =>
    new ReduceLROnPlateau(optimizer(), { mode: 'max', factor: 0.3, patience: 1, threshold: 0.05, thresholdMode: 'abs' }),
};

const momentum = (g: Record<string, unknown>) => (Array.isArray(g.betas) ? g.betas[0] : g.momentum) as number;

describe('LR schedules match PyTorch over 30 steps (two parameter groups)', () => {
  afterAll(() => tf.dispose(variables));

  it.each(Object.keys(fx.schedules))('%s', (name) => {
    const ref = fx.schedules[name];
    const scheduler = builders[name]();
    const groups = scheduler.optimizer.paramGroups as unknown as Record<string, unknown>[];
    let worst = 0;
    ref.lrs.forEach((expected, i) => {
      const lrs = groups.map((g) => g.lr as number);
      expected.forEach((e, j) => {
        worst = Math.max(worst, Math.abs(lrs[j] - e) / e);
        expect(lrs[j], `step ${i} group ${j}`).toBeCloseTo(e, 12);
      });
      if (name.startsWith('oneCycle')) expect(groups.map(momentum)).toEqual(ref.momenta[i].map((m) => expect.closeTo(m, 12)));
      scheduler.step(ref.metrics?.[i]);
    });
    console.log(`${name}: max relative lr diff ${worst.toExponential(1)}`);
  });
});

describe('scheduler behaviour', () => {
  afterAll(() => tf.dispose(variables));

  it('a state dict resumes the schedule where it was', () => {
    const a = new CosineAnnealingLR(optimizer(), { tMax: 10 });
    for (let i = 0; i < 4; i++) a.step();
    const b = new CosineAnnealingLR(optimizer(), { tMax: 10 });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    a.step();
    b.step();
    expect(b.getLastLr()).toEqual(a.getLastLr());
    const p = new ReduceLROnPlateau(optimizer(), { patience: 0 });
    p.step(1);
    const q = new ReduceLROnPlateau(optimizer(), { patience: 0 });
    q.loadStateDict(p.stateDict());
    expect(q.best).toBe(1);
  });

  it('OneCycleLR refuses to step past totalSteps, like PyTorch', () => {
    const s = new OneCycleLR(optimizer(), { maxLr: 1, epochs: 2, stepsPerEpoch: 3 });
    for (let i = 0; i < 6; i++) s.step();
    expect(() => s.step()).toThrow(/stepped 7 times, but totalSteps is 6/);
  });

  it('bad options are OptionErrors that name the option', () => {
    expect(() => new StepLR(optimizer(), { stepSize: 0 })).toThrow(/StepLR\.stepSize/);
    expect(() => warmupCosine(optimizer(), { warmupSteps: 10, totalSteps: 10 })).toThrow(/must exceed warmupSteps/);
    expect(() => warmupCosine(optimizer(), { warmupSteps: 2, totalSteps: 10, startFactor: 0 })).toThrow(OptionError);
    expect(() => new OneCycleLR(optimizer(), { maxLr: [1] })).toThrow(/totalSteps/);
    expect(() => new ReduceLROnPlateau(optimizer(), { factor: 1 })).toThrow(/factor/);
    expect(() => new ReduceLROnPlateau(optimizer()).step()).toThrow(/needs the monitored metric/);
  });
});
