import * as tf from '@tensorflow/tfjs-core';
import { type AdamHyper, type AdamOptions, adamUpdate, validateAdam } from './adam';
import { Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer';

/**
 * `torch.optim.AdamW`: decoupled weight decay `p ← p·(1 - lr·wd)` before the Adam update
 * (default `weightDecay` 0.01, as in PyTorch).
 */
export class AdamW extends Optimizer<AdamHyper> {
  constructor(params: readonly tf.Variable[] | readonly ParamGroupInput<AdamHyper>[], options: AdamOptions = {}) {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2, amsgrad = false, maximize = false } = options;
    super('AdamW', params, { lr, betas: [...betas], eps, weightDecay, amsgrad, maximize });
  }

  protected validate(g: AdamHyper, where: string): void {
    validateAdam(g, where);
  }

  protected update(param: tf.Variable, grad: tf.Tensor, g: ParamGroup<AdamHyper>, state: ParamState): void {
    if (g.weightDecay !== 0) param.assign(tf.mul(param, 1 - g.lr * g.weightDecay));
    adamUpdate(param, grad, g, state, false);
  }
}
