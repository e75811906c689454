import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { checkNumber, Optimizer, type ParamGroup, type ParamGroupInput, type ParamState, stateBuffer } from './optimizer';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  /** L2 penalty added to the gradient: `g + weightDecay·p`. */
  weightDecay?: number;
  /** Ascend instead of descend. */
  maximize?: boolean;
}

export type SGDHyper = Required<SGDOptions>;

/**
 * `torch.optim.SGD`: `g ← ±grad + wd·p`; with momentum the buffer is `g` itself on the first
 * step (no dampening) and `μ·buf + (1-dampening)·g` after; Nesterov uses `g + μ·buf`;
 * then `p ← p - lr·g`.
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: readonly tf.Variable[] | readonly ParamGroupInput<SGDHyper>[], options: SGDOptions) {
    const { lr, momentum = 0, dampening = 0, nesterov = false, weightDecay = 0, maximize = false } = options ?? ({} as SGDOptions);
    super('SGD', params, { lr, momentum, dampening, nesterov, weightDecay, maximize });
  }

  protected validate(g: SGDHyper, where: string): void {
    checkNumber(where, 'lr', g.lr);
    checkNumber(where, 'momentum', g.momentum);
    checkNumber(where, 'dampening', g.dampening);
    checkNumber(where, 'weightDecay', g.weightDecay);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new OptionError(
        `${where}.nesterov`,
        `Nesterov momentum requires momentum > 0 and dampening 0, got momentum ${g.momentum}, dampening ${g.dampening}`,
      );
    }
  }

  protected update(param: tf.Variable, grad: tf.Tensor, g: ParamGroup<SGDHyper>, state: ParamState): void {
    let d = g.maximize ? tf.neg(grad) : grad;
    if (g.weightDecay !== 0) d = tf.add(d, tf.mul(param, g.weightDecay));
    if (g.momentum !== 0) {
      const fresh = !(state.momentumBuffer instanceof tf.Variable);
      const buf = stateBuffer(state, 'momentumBuffer', () => d.clone());
      if (!fresh) buf.assign(tf.add(tf.mul(buf, g.momentum), tf.mul(d, 1 - g.dampening)));
      d = g.nesterov ? tf.add(d, tf.mul(buf, g.momentum)) : buf;
    }
    param.assign(tf.sub(param, tf.mul(d, g.lr)));
  }
}
