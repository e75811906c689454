import * as tf from '@tensorflow/tfjs-core';
import { ConvkitError, OptionError, StateDictError, UnknownNameError } from './errors';
import { type ModelSummary, summarize } from './summary';
import { isTracing, setTracing } from './tracing';
import { sameShape } from './validate';

export type StateDict = Record<string, tf.Tensor>;

export interface LoadResult {
  missing: string[];
  unexpected: string[];
}

let nextVariableId = 0;

function matches(path: string, prefix: string | undefined): boolean {
  return prefix === undefined || prefix === '' || path === prefix || path.startsWith(`${prefix}.`);
}

/**
 * A node of the model tree, PyTorch's `nn.Module`: the paths of its parameters and buffers
 * are the state-dict keys. Subclasses register children in the constructor and implement `forward`.
 */
export abstract class Module {
  /**
   * True while `summary()` traces a forward pass: inference shortcuts (BatchNorm folding) are
   * off, so every module runs and reports its output shape.
   */
  static get tracing(): boolean {
    return isTracing();
  }

  static set tracing(on: boolean) {
    setTracing(on);
  }

  private isTraining = true;
  /** A frozen module's parameters are not trainable and its BatchNorm statistics do not update. */
  frozen = false;
  private readonly params = new Map<string, tf.Variable>();
  private readonly buffers = new Map<string, tf.Variable>();
  private readonly modules = new Map<string, Module>();

  abstract forward(x: tf.Tensor, ...rest: unknown[]): tf.Tensor;

  /** Training mode (batch statistics, dropout active) or evaluation mode. */
  get training(): boolean {
    return this.isTraining;
  }

  set training(mode: boolean) {
    if (mode && !this.isTraining) this.releaseInferenceCache();
    this.isTraining = mode;
  }

  /**
   * Drops tensors derived from the parameters for evaluation (e.g. BatchNorm folded into a
   * conv). Called when training starts and when weights are loaded; call `invalidateCaches()`
   * after changing parameters by hand in evaluation mode.
   */
  protected releaseInferenceCache(): void {}

  invalidateCaches(): void {
    for (const [, m] of this.namedModules()) m.releaseInferenceCache();
  }

  /**
   * The module's type as other code looks it up, not only a label. `@convkit/onnx`'s
   * `exportOnnx` picks each module's ONNX mapping by it (one registered with
   * `registerOnnxMapping(typeName, …)`, else the built-in one of that layer, block or model; an
   * `Activation` left without one maps by its `kind`), names the exported graph after the root's,
   * and reports it in `UnsupportedModuleError`. `summary()` shows it as the layer type.
   *
   * Defaults to the class name, which a minifier may rename: a module meant to be exported
   * overrides it with a fixed string, and once shipped that string does not change (a renamed
   * type loses its ONNX mapping).
   */
  get typeName(): string {
    return this.constructor.name;
  }

  protected registerParameter(name: string, value: tf.Tensor): tf.Variable {
    const v = tf.variable(value, true, `convkit_${nextVariableId++}_${name}`);
    value.dispose();
    this.params.set(name, v);
    return v;
  }

  protected registerBuffer(name: string, value: tf.Tensor): tf.Variable {
    const v = tf.variable(value, false, `convkit_${nextVariableId++}_${name}`, value.dtype);
    value.dispose();
    this.buffers.set(name, v);
    return v;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.modules.set(name, module);
    return module;
  }

  /** Direct children, in registration order. */
  children(): Module[] {
    return [...this.modules.values()];
  }

  namedChildren(): [string, Module][] {
    return [...this.modules.entries()];
  }

  /** Every module of the tree with its path (`''` for this one), parents first. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.modules) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** The module at a dotted path such as `layer1.0.conv1`. */
  getModule(path: string): Module {
    let m: Module = this;
    for (const part of path === '' ? [] : path.split('.')) {
      const next = m.modules.get(part);
      if (!next) throw new UnknownNameError(`getModule('${path}')`, part, [...m.modules.keys()]);
      m = next;
    }
    return m;
  }

  /**
   * Replaces the submodule at `path` (e.g. a new classifier head) and disposes the old one;
   * the state dict follows the new module.
   */
  setModule(path: string, module: Module): void {
    const parts = path.split('.');
    const name = parts.pop() as string;
    const parent = this.getModule(parts.join('.'));
    const old = parent.modules.get(name);
    if (!old) throw new UnknownNameError(`setModule('${path}')`, name, [...parent.modules.keys()]);
    parent.modules.set(name, module);
    // Keep a field that refers to the child (`this.fc`) pointing at the new module.
    const fields = parent as unknown as Record<string, unknown>;
    for (const key of Object.keys(fields)) if (fields[key] === old) fields[key] = module;
    if (old !== module) old.dispose();
    module.training = parent.training;
  }

  namedParameters(prefix = ''): [string, tf.Variable][] {
    return this.walk(prefix, (m) => m.params);
  }

  namedBuffers(prefix = ''): [string, tf.Variable][] {
    return this.walk(prefix, (m) => m.buffers);
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** Parameters that an optimizer should update (not frozen). */
  trainableParameters(): tf.Variable[] {
    return this.parameters().filter((v) => v.trainable);
  }

  /** Number of parameter values (PyTorch's `sum(p.numel() for p in model.parameters())`). */
  numParameters({ trainableOnly = false }: { trainableOnly?: boolean } = {}): number {
    return this.parameters().reduce((n, v) => n + (trainableOnly && !v.trainable ? 0 : v.size), 0);
  }

  private walk(prefix: string, pick: (m: Module) => Map<string, tf.Variable>): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, v] of pick(m)) out.push([path ? `${path}.${name}` : name, v]);
    }
    return out;
  }

  /**
   * Parameters and buffers by torchvision key, in PyTorch's order (per module: parameters,
   * then buffers). The tensors are the module's own: read them, don't dispose them.
   */
  stateDict(): StateDict {
    const dict: StateDict = {};
    for (const [path, m] of this.namedModules()) {
      for (const [name, v] of [...m.params, ...m.buffers]) dict[path ? `${path}.${name}` : name] = v;
    }
    return dict;
  }

  /**
   * Copies tensors into the module by key. All problems are collected first and nothing is
   * written unless the whole dict fits: missing and unexpected keys (strict only) and any shape mismatch.
   */
  loadStateDict(dict: StateDict, { strict = true }: { strict?: boolean } = {}): LoadResult {
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in dict));
    const unexpected = Object.keys(dict).filter((k) => !(k in own));
    const mismatched = Object.keys(own)
      .filter((k) => k in dict && !sameShape(own[k].shape, dict[k].shape))
      .map((key) => ({ key, expected: own[key].shape, actual: dict[key].shape }));
    if (mismatched.length || (strict && (missing.length || unexpected.length))) {
      const shapes = Object.fromEntries(Object.entries(dict).map(([k, t]) => [k, t.shape]));
      throw new StateDictError('loadStateDict', {
        missing: strict ? missing : [],
        unexpected: strict ? unexpected : [],
        mismatched,
        shapes,
      });
    }
    this.invalidateCaches();
    for (const [key, target] of Object.entries(own)) {
      const source = dict[key];
      // Assigning a variable its own data would free that data: nothing to do.
      if (!source || source.dataId === target.dataId) continue;
      if (source.isDisposed) throw new ConvkitError(`loadStateDict: ${key}`, 'tensor is disposed');
      const value = source.dtype === target.dtype ? source : tf.cast(source, target.dtype);
      (target as tf.Variable).assign(value);
      if (value !== source) value.dispose();
    }
    return { missing, unexpected };
  }

  /** Training mode for this module and all below it (`train(false)` is `eval()`). */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Freezes the modules at or below `prefix` (all if omitted): no gradients, no BN statistic updates. */
  freeze(prefix?: string): this {
    return this.setFrozen(prefix, true);
  }

  unfreeze(prefix?: string): this {
    return this.setFrozen(prefix, false);
  }

  private setFrozen(prefix: string | undefined, frozen: boolean): this {
    const hits = this.namedModules().filter(([path]) => matches(path, prefix));
    if (hits.length === 0) {
      const names = this.namedModules()
        .map(([p]) => p)
        .filter((p) => p && !p.includes('.'));
      throw new UnknownNameError(frozen ? 'freeze' : 'unfreeze', String(prefix), names);
    }
    for (const [, m] of hits) {
      m.frozen = frozen;
      for (const v of m.params.values()) v.trainable = !frozen;
    }
    return this;
  }

  /** Forward pass in evaluation mode inside a memory scope; the mode is restored afterwards. */
  predict(x: tf.Tensor): tf.Tensor {
    const modes = this.namedModules().map(([, m]) => [m, m.training] as const);
    this.eval();
    try {
      return tf.tidy(() => this.forward(x));
    } finally {
      for (const [m, mode] of modes) m.training = mode;
    }
  }

  /** A Keras-style table: path, type, output shape, parameters, trainable; with totals. */
  summary(inputShape: number[], options: { depth?: number } = {}): ModelSummary {
    if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new OptionError('summary', `inputShape must be positive integers such as [1,224,224,3], got ${JSON.stringify(inputShape)}`);
    }
    return summarize(this, inputShape, options);
  }

  dispose(): void {
    this.invalidateCaches();
    for (const [, v] of this.namedParameters()) v.dispose();
    for (const [, v] of this.namedBuffers()) v.dispose();
  }

  /** The parameters and buffers registered on this module itself, not its children. */
  ownTensors(): { params: [string, tf.Variable][]; buffers: [string, tf.Variable][] } {
    return { params: [...this.params], buffers: [...this.buffers] };
  }
}
