import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { checkNumber, Optimizer, type ParamGroup, type ParamGroupInput, type ParamState, stateBuffer } from './optimizer';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** Keep the running maximum of the second moment (Reddi et al.). */
  amsgrad?: boolean;
  maximize?: boolean;
}

export type AdamHyper = Required<AdamOptions>;

/**
 * The update shared by Adam and AdamW, in the order of PyTorch's `_single_tensor_adam`:
 * `m ← β1·m + (1-β1)·g`, `v ← β2·v + (1-β2)·g²`, `denom = √v̂ / √(1-β2ᵗ) + eps` (v̂ = max over
 * time with amsgrad), `p ← p - lr/(1-β1ᵗ) · m/denom`. `l2` adds `wd·p` to the gradient (Adam);
 * AdamW decays the parameter instead, before this.
 */
export function adamUpdate(param: tf.Variable, grad: tf.Tensor, g: AdamHyper, state: ParamState, l2: boolean): void {
  let d = g.maximize ? tf.neg(grad) : grad;
  if (l2 && g.weightDecay !== 0) d = tf.add(d, tf.mul(param, g.weightDecay));
  const [beta1, beta2] = g.betas;
  const step = ((state.step as number | undefined) ?? 0) + 1;
  state.step = step;
  const m = stateBuffer(state, 'expAvg', () => tf.zerosLike(param));
  const v = stateBuffer(state, 'expAvgSq', () => tf.zerosLike(param));
  m.assign(tf.add(tf.mul(m, beta1), tf.mul(d, 1 - beta1)));
  v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.mul(d, d), 1 - beta2)));
  let second: tf.Tensor = v;
  if (g.amsgrad) {
    const vmax = stateBuffer(state, 'maxExpAvgSq', () => tf.zerosLike(param));
    vmax.assign(tf.maximum(vmax, v));
    second = vmax;
  }
  const stepSize = g.lr / (1 - beta1 ** step);
  const denom = tf.add(tf.div(tf.sqrt(second), Math.sqrt(1 - beta2 ** step)), g.eps);
  param.assign(tf.sub(param, tf.mul(tf.div(m, denom), stepSize)));
}

export function validateAdam(g: AdamHyper, where: string): void {
  checkNumber(where, 'lr', g.lr);
  checkNumber(where, 'eps', g.eps);
  checkNumber(where, 'weightDecay', g.weightDecay);
  if (!Array.isArray(g.betas) || g.betas.length !== 2)
    throw new OptionError(`${where}.betas`, `must be [beta1, beta2], got ${JSON.stringify(g.betas)}`);
  checkNumber(where, 'betas[0]', g.betas[0], { max: 1, maxExclusive: true });
  checkNumber(where, 'betas[1]', g.betas[1], { max: 1, maxExclusive: true });
}

/** `torch.optim.Adam`: L2 `weightDecay` is added to the gradient (use AdamW for decoupled decay). */
export class Adam extends Optimizer<AdamHyper> {
  constructor(params: readonly tf.Variable[] | readonly ParamGroupInput<AdamHyper>[], options: AdamOptions = {}) {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false, maximize = false } = options;
    super('Adam', params, { lr, betas: [...betas], eps, weightDecay, amsgrad, maximize });
  }

  protected validate(g: AdamHyper, where: string): void {
    validateAdam(g, where);
  }

  protected update(param: tf.Variable, grad: tf.Tensor, g: ParamGroup<AdamHyper>, state: ParamState): void {
    adamUpdate(param, grad, g, state, true);
  }
}
