import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError, shapeString } from '@convkit/core';

/** The hyperparameters every optimizer has; schedulers read and write `lr`. */
export interface BaseHyper {
  lr: number;
}

/** A parameter group: its own variables and any hyperparameters that differ from the defaults. */
export type ParamGroupInput<H> = { params: readonly tf.Variable[] } & Partial<H>;

/** A live parameter group; schedulers change `lr` (and `initialLr` records their base value). */
export type ParamGroup<H> = H & { params: tf.Variable[]; initialLr?: number };

/** Per-parameter state: tensors (momentum buffers, moments) and counters. */
export type ParamState = Record<string, tf.Variable | number>;

/**
 * PyTorch's `optimizer.state_dict()` shape: state keyed by the parameter's index across all
 * groups in order, and each group's hyperparameters with `params` as those indices.
 */
export interface OptimizerState {
  state: Record<number, Record<string, tf.Tensor | number>>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

/**
 * Base of the optimizers: parameter groups, lazily created per-parameter state, and state dicts
 * for resuming. `step(grads)` takes the `{[variable.name]: grad}` map of `tf.variableGrads`;
 * variables without a gradient or not trainable (frozen) are skipped, like PyTorch's
 * `p.grad is None`. The gradients stay the caller's: `step` reads them and disposes nothing.
 * There is no `zeroGrad`: tfjs computes fresh gradients on every `variableGrads` call.
 */
export abstract class Optimizer<H extends BaseHyper> {
  readonly defaults: H;
  readonly paramGroups: ParamGroup<H>[];
  protected readonly state = new Map<tf.Variable, ParamState>();

  constructor(
    private readonly where: string,
    params: readonly tf.Variable[] | readonly ParamGroupInput<H>[],
    defaults: H,
  ) {
    this.defaults = defaults;
    const groups =
      params.length > 0 && params[0] instanceof tf.Variable
        ? [{ params: params as readonly tf.Variable[] }]
        : (params as readonly ParamGroupInput<H>[]);
    if (groups.length === 0) throw new OptionError(where, 'got an empty parameter list');
    const seen = new Set<tf.Variable>();
    this.paramGroups = groups.map((g, i) => {
      if (!g || !Array.isArray(g.params) || g.params.some((p) => !(p instanceof tf.Variable))) {
        throw new OptionError(`${where}: paramGroups[${i}]`, 'params must be an array of tf.Variable (e.g. model.trainableParameters())');
      }
      for (const p of g.params) {
        if (seen.has(p)) throw new OptionError(`${where}: paramGroups[${i}]`, `variable ${p.name} appears in more than one group`);
        seen.add(p);
      }
      const group = { ...defaults, ...g, params: [...g.params] } as ParamGroup<H>;
      this.validate(group, `${where}: paramGroups[${i}]`);
      return group;
    });
  }

  /** Throws an OptionError for an invalid hyperparameter. */
  protected abstract validate(group: H, where: string): void;

  /** Updates one parameter; runs inside a tidy. */
  protected abstract update(param: tf.Variable, grad: tf.Tensor, group: ParamGroup<H>, state: ParamState): void;

  /** One optimisation step over every group. */
  step(grads: tf.NamedTensorMap): void {
    for (const group of this.paramGroups) {
      for (const param of group.params) {
        const grad = grads[param.name];
        if (!grad || !param.trainable) continue;
        if (grad.shape.join() !== param.shape.join()) {
          throw new ShapeError(
            `${this.where}.step: ${param.name}`,
            `gradient ${shapeString(grad.shape)} does not match the parameter ${shapeString(param.shape)}`,
          );
        }
        let state = this.state.get(param);
        if (!state) this.state.set(param, (state = {}));
        tf.tidy(() => this.update(param, grad, group, state));
      }
    }
  }

  /** The optimizer's state; tensors are the live buffers (read them, don't dispose them). */
  stateDict(): OptimizerState {
    const index = new Map<tf.Variable, number>();
    const paramGroups = this.paramGroups.map(({ params, ...hyper }) => ({
      ...structuredClone(hyper),
      params: params.map((p) => {
        index.set(p, index.size);
        return index.size - 1;
      }),
    }));
    const state: OptimizerState['state'] = {};
    for (const [p, s] of this.state) if (index.has(p)) state[index.get(p) as number] = { ...s };
    return { state, paramGroups };
  }

  /**
   * Restores a state dict from `stateDict()` of an optimizer over the same parameters (same
   * groups, same order). Everything is checked before anything changes; tensors are copied.
   */
  loadStateDict(dict: OptimizerState): void {
    const where = `${this.where}.loadStateDict`;
    const params = this.paramGroups.flatMap((g) => g.params);
    if (!dict || !Array.isArray(dict.paramGroups) || dict.paramGroups.length !== this.paramGroups.length) {
      throw new OptionError(where, `expected ${this.paramGroups.length} parameter groups, got ${dict?.paramGroups?.length}`);
    }
    dict.paramGroups.forEach((g, i) => {
      if (g.params?.length !== this.paramGroups[i].params.length) {
        throw new OptionError(
          `${where}: paramGroups[${i}]`,
          `expected ${this.paramGroups[i].params.length} parameters, got ${g.params?.length}`,
        );
      }
    });
    for (const [key, s] of Object.entries(dict.state ?? {})) {
      const p = params[Number(key)];
      if (!p) throw new OptionError(`${where}: state[${key}]`, `no parameter with index ${key} (there are ${params.length})`);
      for (const [name, v] of Object.entries(s)) {
        if (v instanceof tf.Tensor && v.shape.join() !== p.shape.join()) {
          throw new ShapeError(
            `${where}: state[${key}].${name}`,
            `expected ${shapeString(p.shape)} like ${p.name}, got ${shapeString(v.shape)}`,
          );
        }
      }
    }
    // Copies first: the dict may hold this optimizer's own live buffers (a stateDict() of itself).
    const copies = Object.entries(dict.state ?? {}).map(([key, s]) => {
      const copy: ParamState = {};
      // A variable shares the source's data without owning it: assign() later swaps in new data.
      for (const [name, v] of Object.entries(s)) copy[name] = v instanceof tf.Tensor ? tf.variable(v, false) : v;
      return [params[Number(key)], copy] as const;
    });
    this.disposeState();
    for (const [p, copy] of copies) this.state.set(p, copy);
    dict.paramGroups.forEach(({ params: _indices, ...hyper }, i) => Object.assign(this.paramGroups[i], structuredClone(hyper)));
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof tf.Tensor) v.dispose();
    this.state.clear();
  }

  /** Frees the state buffers (the parameters belong to the model). */
  dispose(): void {
    this.disposeState();
  }
}

/** Checks `value` is a finite number >= 0 (or in a range). */
export function checkNumber(where: string, name: string, value: unknown, { min = 0, max = Infinity, maxExclusive = false } = {}): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && (maxExclusive ? value < max : value <= max);
  if (!ok) throw new OptionError(`${where}.${name}`, `must be a number in [${min}, ${max}${maxExclusive ? ')' : ']'}, got ${value}`);
}

/** A state variable, created from `init` the first time and kept across steps. */
export function stateBuffer(state: ParamState, key: string, init: () => tf.Tensor): tf.Variable {
  const existing = state[key];
  if (existing instanceof tf.Variable) return existing;
  // Variables outlive the surrounding tidy; the initial tensor does not, and need not.
  const v = tf.variable(init(), false);
  state[key] = v;
  return v;
}
