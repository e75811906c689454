import type { Module } from '@convkit/core';
import { UnsupportedModuleError } from './errors';
import type { OnnxGraph, OnnxValue } from './onnx-graph';

/**
 * Writes one module into the graph: reads the module's public fields and children (their
 * state-dict names are its structure), appends nodes, returns the output value.
 */
export type OnnxMapping<M extends Module = Module> = (module: M, x: OnnxValue, ctx: MappingContext) => OnnxValue;

export interface ExportSettings {
  opset: number;
  foldBatchNorm: boolean;
}

/**
 * What a mapping sees: the graph, the export settings, the module's path, and `emit` to write
 * a descendant (child by name, or any module of the tree) through its own mapping.
 */
export class MappingContext {
  constructor(
    readonly graph: OnnxGraph,
    readonly settings: ExportSettings,
    readonly path: string,
    private readonly paths: Map<Module, string>,
    private readonly lookup: (module: Module) => OnnxMapping | undefined,
  ) {}

  /** The state-dict path of a module of the tree. */
  pathOf(module: Module): string {
    const path = this.paths.get(module);
    if (path === undefined)
      throw new UnsupportedModuleError(this.path, module.typeName, 'reaches a module that is not registered in the model tree');
    return path;
  }

  /** The state-dict key of a module's own tensor, e.g. `layer1.0.conv1` + `weight`. */
  key(module: Module, name: string): string {
    const path = this.pathOf(module);
    return path ? `${path}.${name}` : name;
  }

  /** Writes `module` (a child name of the current module, or a module of the tree). */
  emit(module: Module | string, x: OnnxValue): OnnxValue {
    const target = typeof module === 'string' ? this.child(module) : module;
    const path = this.pathOf(target);
    const mapping = this.lookup(target);
    if (!mapping) throw new UnsupportedModuleError(path, target.typeName);
    return mapping(target, x, new MappingContext(this.graph, this.settings, path, this.paths, this.lookup));
  }

  /** The child `name` of the module being written, or null when it has none of that name. */
  optionalChild(name: string): Module | null {
    const prefix = this.path ? `${this.path}.` : '';
    for (const [module, path] of this.paths) if (path === `${prefix}${name}`) return module;
    return null;
  }

  child(name: string): Module {
    const found = this.optionalChild(name);
    if (!found) throw new UnsupportedModuleError(this.path, 'Module', `expected a child module '${name}'`);
    return found;
  }

  /** Appends a node on behalf of the module being written. */
  node(opType: string, inputs: string[], attributes: Parameters<OnnxGraph['add']>[2] = {}): string {
    return this.graph.add(opType, inputs, attributes, this.path);
  }
}
