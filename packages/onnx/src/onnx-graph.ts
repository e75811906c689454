import type * as tf from '@tensorflow/tfjs-core';

/** A value flowing through the graph: its name and static NCHW shape (dim 0 is the batch). */
export interface OnnxValue {
  name: string;
  shape: number[];
  /**
   * Set on the output of a Flatten of a `[N,C,H,W]` map: ONNX flattens C,H,W while convkit's
   * NHWC flatten (and so the Linear weights that follow) is H,W,C.
   */
  flattenedFrom?: { channels: number; height: number; width: number };
}

/** A tensor-valued attribute (Constant's `value`). */
export interface AttributeTensor {
  dims: number[];
  dataType: 'float32' | 'int64';
  values: ArrayLike<number>;
}

export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] } | { tensor: AttributeTensor };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
}

/** An initializer: a tensor (read once when the file is written, then converted) or values given directly. */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  dataType: 'float32' | 'int64';
  values: tf.Tensor | Float32Array | number[];
  /** The graph disposes the tensor after reading it (it was made for the export, not a module's own). */
  owned: boolean;
  /** Rearranges the values read from the tensor (tfjs layout → ONNX layout). */
  convert?: (values: Float32Array) => Float32Array;
}

export interface InitializerOptions {
  owned?: boolean;
  convert?: (values: Float32Array) => Float32Array;
}

/**
 * The graph under construction: nodes in topological order (each mapping appends as it goes)
 * and the initializers. Names are made unique here; initializer names are the state-dict keys.
 */
export class OnnxGraph {
  readonly nodes: OnnxNode[] = [];
  readonly initializers = new Map<string, OnnxInitializer>();
  // The graph's own input and output names are never given to a value inside it.
  private readonly used = new Set<string>(['input', 'output']);

  constructor(readonly opset: number) {}

  /** `base`, or `base_1`, `base_2`… when taken: a name no other node, value or initializer has. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Appends a node; returns its output's name. `where` names the module it comes from. */
  add(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, where = ''): string {
    const base = where ? `/${where.replace(/\./g, '/')}/${opType}` : `/${opType}`;
    const name = this.unique(base);
    const output = this.unique(`${name}_output_0`);
    this.nodes.push({ opType, name, inputs, outputs: [output], attributes });
    return output;
  }

  /** Appends a node built elsewhere (an imported graph's), its names already made unique. */
  append(node: OnnxNode): void {
    this.nodes.push(node);
  }

  /** Adds a float initializer under `name` (a state-dict key). */
  initializer(name: string, values: tf.Tensor | Float32Array, dims: number[], { owned = false, convert }: InitializerOptions = {}): string {
    if (this.initializers.has(name)) throw new Error(`OnnxGraph: initializer '${name}' added twice`);
    this.used.add(name);
    this.initializers.set(name, { name, dims, dataType: 'float32', values, owned, convert });
    return name;
  }

  /** A float constant (scalar when `dims` is `[]`), named after `base` and made unique. */
  constant(base: string, values: number[] | Float32Array, dims: number[] = []): string {
    return this.initializer(this.unique(base), Float32Array.from(values), dims);
  }

  /** An int64 constant (a vector by default: Pad's pads), named after `base` and made unique. */
  int64Constant(base: string, values: number[], dims = [values.length]): string {
    const name = this.unique(base);
    this.initializers.set(name, { name, dims, dataType: 'int64', values, owned: false });
    return name;
  }

  /** Disposes the tensors the graph owns. */
  dispose(): void {
    for (const init of this.initializers.values())
      if (init.owned && !(init.values instanceof Float32Array) && !Array.isArray(init.values)) init.values.dispose();
  }

  /** Renames a node output (the graph's output gets a stable name). */
  renameOutput(from: string, to: string): void {
    for (const node of this.nodes) {
      node.outputs = node.outputs.map((o) => (o === from ? to : o));
      node.inputs = node.inputs.map((i) => (i === from ? to : i));
    }
    this.used.add(to);
  }
}
