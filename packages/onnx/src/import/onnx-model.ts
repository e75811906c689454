import * as tf from '@tensorflow/tfjs-core';
import { ConvkitError, OptionError } from '@convkit/core';
import { UnsupportedOnnxError } from '../errors';
import type { OpContext, OpRunner } from './op-context';
import { type Fusions, planFusions } from './fusion';
import { convOps } from './ops-conv';
import { elementwiseOps } from './ops-elementwise';
import { normOps } from './ops-norm';
import { resizeOps } from './ops-resize';
import { shapeOps } from './ops-shape';
import { tensorOps } from './ops-tensor';
import { ParamTree } from './param-tree';
import { planParameters } from './parameters';
import type { Graph, GraphIo, GraphNode, StaticTensor } from './read-graph';
import { Attributes, asNhwc, evaluateKnown, fromStatic, nhwc, onnxLayout, onnxShape, plain, type Value } from './values';

const OPS: Record<string, OpRunner> = { ...convOps, ...elementwiseOps, ...tensorOps, ...shapeOps, ...normOps, ...resizeOps };

/** Integer feeds up to this size are shape data (a Reshape target, Slice bounds), and float vectors up to 8 values
 * may be (Resize scales, Pad's value): read once, used as known numbers. */
const MAX_KNOWN_FEED = 64;
const MAX_KNOWN_FLOAT_FEED = 8;

/** Input shapes whose shape-subgraph values are kept (a model usually sees one or two). */
const SHAPE_CACHE_SIZE = 8;

/** The ONNX ops `importOnnx` runs. */
export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(OPS).sort();

export interface ImportOnnxOptions {
  /** Layout `forward`/`predict` take (and give, for a rank-4 output): convkit's NHWC (default) or the graph's own NCHW. */
  inputLayout?: 'nhwc' | 'nchw';
  /**
   * Cut the graph: these values (or nodes, for their first output) become its outputs and what
   * only feeds the rest is dropped, e.g. `['/Flatten_output_0']` for a backbone without its head.
   */
  outputs?: string[];
  /** The files an ONNX file's external-data initializers name, by their `location`: never read from disk. */
  externalData?: Readonly<Record<string, Uint8Array>>;
}

interface NodeWeights {
  /** Input position → the variable that feeds it. */
  inputs: Map<number, tf.Variable>;
  /** The module path of the node's parameters (BatchNorm asks whether it is frozen). */
  path?: string;
  numBatchesTracked?: tf.Variable;
}

/**
 * An ONNX graph as a convkit Module: its weights are parameters named after the PyTorch modules
 * they came from, and the graph runs with convkit's ops on NHWC maps.
 */
export class OnnxModel extends ParamTree {
  readonly inputNames: string[];
  readonly outputNames: string[];
  private readonly weights = new Map<number, NodeWeights>();
  private readonly originals = new Map<string, string>();
  private readonly constants = new Map<string, StaticTensor>();
  private readonly fusions: Fusions;
  /** Conv weights and biases with their BatchNorm folded in, for eval mode (dropped when training starts or weights load). */
  private readonly folded = new Map<number, [tf.Tensor4D, tf.Tensor1D]>();
  /** By the inputs' shapes: the values computed from shapes alone (Shape → Gather → Concat → Reshape's target), evaluated once. */
  private readonly shapeValues = new Map<string, Map<string, StaticTensor>>();

  constructor(
    private readonly graph: Graph,
    private readonly options: ImportOnnxOptions = {},
  ) {
    super();
    for (const node of graph.nodes)
      if (!OPS[node.opType] || (node.domain && node.domain !== 'ai.onnx'))
        throw new UnsupportedOnnxError(
          node.name,
          node.domain ? `${node.domain}.${node.opType}` : node.opType,
          `op not supported (supported: ${SUPPORTED_ONNX_OPS.join(', ')})`,
        );
    this.inputNames = graph.inputs.map((i) => i.name);
    this.outputNames = graph.outputs.map((o) => o.name);
    for (const use of planParameters(graph)) {
      const v = this.add(use.key, tf.tensor(use.values, use.dims, 'float32'), use.buffer);
      this.originals.set(use.key, use.original);
      const w: NodeWeights = this.weights.get(use.node) ?? { inputs: new Map() };
      w.inputs.set(use.input, v);
      w.path ??= use.key.split('.').slice(0, -1).join('.');
      this.weights.set(use.node, w);
    }
    this.addBatchCounters();
    for (const [name, t] of graph.initializers) this.constants.set(name, t);
    this.foldConstants();
    this.fusions = planFusions(graph, this.constants, (node, inputs) => inputs.every((i) => this.weights.get(node)?.inputs.has(i)));
  }

  override get typeName(): string {
    return 'OnnxModel';
  }

  /** The initializer name in the file behind a state-dict key (`onnx::Conv_193` for `layer1.0.conv1.weight`). */
  originalName(key: string): string | undefined {
    return this.originals.get(key);
  }

  /** torchvision's `num_batches_tracked` beside each BatchNorm's statistics. */
  private addBatchCounters(): void {
    for (const node of this.graph.nodes) {
      const w = this.weights.get(node.index);
      if (node.opType !== 'BatchNormalization' || !w?.path || !w.inputs.has(3)) continue;
      const key = `${w.path}.num_batches_tracked`;
      if (!(key in this.stateDict())) w.numBatchesTracked = this.add(key, tf.scalar(0, 'int32'), true);
    }
  }

  /** Constant nodes (and Identity of a constant) become numbers known at import time. */
  private foldConstants(): void {
    tf.tidy(() => {
      for (const node of this.graph.nodes) {
        if (node.opType === 'Constant') {
          const value = this.runNode(node.index, new Map(), false)[0];
          if (value.known) this.constants.set(node.outputs[0], value.known);
        } else if (node.opType === 'Identity' && this.constants.has(node.inputs[0]) && !this.weights.has(node.index)) {
          this.constants.set(node.outputs[0], this.constants.get(node.inputs[0]) as StaticTensor);
        }
      }
    });
  }

  private runNode(index: number, env: Map<string, Value>, training: boolean, shapeValues?: Map<string, StaticTensor>): Value[] {
    const node = this.graph.nodes[index];
    const op = OPS[node.opType] as OpRunner;
    const w = this.weights.get(index);
    const norm = training ? undefined : this.fusions?.norm.get(index);
    const folded = norm && this.foldedWeights(index, norm.node);
    const inputs = node.inputs.map((name, i): Value | undefined => {
      if (folded && (i === 1 || i === 2)) return { tensor: folded[i - 1] as tf.Tensor, nhwc: false, param: true };
      const param = w?.inputs.get(i);
      if (param) return { tensor: param, nhwc: false, param: true };
      if (!name) return undefined;
      const known = this.constants.get(name) ?? shapeValues?.get(name);
      const value = env.get(name) ?? (known && fromStatic(known));
      if (!value)
        throw new ConvkitError(`importOnnx: node '${node.name}' (${node.opType})`, `input '${name}' is not produced by any node before it`);
      return value;
    });
    if (folded && inputs.length < 3) inputs.push({ tensor: folded[1], nhwc: false, param: true });
    const ctx: OpContext = {
      node,
      attrs: new Attributes(node),
      inputs,
      opset: this.graph.opset,
      training,
      frozen: w?.path !== undefined && this.getModule(w.path).frozen,
      known: (i) => inputs[i]?.known,
      activation: norm ? norm.activation : this.fusions?.activation.get(index),
      // Statistics fed as graph inputs (not initializers) have no buffer to update.
      assignBuffer: (i, value) => w?.inputs.get(i)?.assign(value),
    };
    // Arithmetic on known numbers (shape vectors) is done in JS; the ops' tensor forms are for maps.
    const known = !w && inputs.length > 0 && inputs.every((v) => v?.known);
    const evaluated = known
      ? evaluateKnown(
          node.opType,
          ctx.attrs,
          inputs.map((v) => v?.known as StaticTensor),
        )
      : undefined;
    if (evaluated) return [fromStatic(evaluated)];
    const out = op(ctx);
    if (training && !ctx.frozen && w?.numBatchesTracked) w.numBatchesTracked.assign(tf.add(w.numBatchesTracked, tf.scalar(1, 'int32')));
    return out;
  }

  /** `w·s` and `(b − mean)·s + β` with `s = γ / √(var + eps)`: the BatchNorm after the conv, folded in. */
  private foldedWeights(conv: number, norm: number): [tf.Tensor4D, tf.Tensor1D] {
    const cached = this.folded.get(conv);
    if (cached) return cached;
    const convWeights = this.weights.get(conv)?.inputs as Map<number, tf.Variable>;
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => this.weights.get(norm)?.inputs.get(i) as tf.Variable);
    const eps = new Attributes(this.graph.nodes[norm] as GraphNode).float('epsilon', 1e-5);
    const fold = tf.tidy(() => {
      const scale = tf.mul(gamma as tf.Tensor, tf.rsqrt(tf.add(variance as tf.Tensor, eps)));
      const bias = convWeights.get(2) ?? tf.zeros(scale.shape);
      return [tf.mul(convWeights.get(1) as tf.Tensor, scale), tf.add(tf.mul(tf.sub(bias, mean as tf.Tensor), scale), beta as tf.Tensor)];
    }) as [tf.Tensor4D, tf.Tensor1D];
    // Cached across calls: kept out of the forward pass's memory scope.
    for (const t of fold) tf.keep(t);
    this.folded.set(conv, fold);
    return fold;
  }

  protected override releaseInferenceCache(): void {
    for (const tensors of this.folded.values()) tf.dispose(tensors);
    this.folded.clear();
  }

  /** Runs the graph on values by input name; returns the values of the graph outputs. */
  private execute(feeds: Map<string, Value>): Value[] {
    const env = new Map(feeds);
    const key = JSON.stringify([...feeds.values()].map((v) => (v.known ? [onnxShape(v), Array.from(v.known.values)] : onnxShape(v))));
    const cached = this.shapeValues.get(key);
    const shapeValues = cached ?? new Map<string, StaticTensor>();
    for (const node of this.graph.nodes) {
      if (node.outputs.every((o) => this.constants.has(o) || cached?.has(o))) continue;
      const fusedInto = this.fusions.absorbed.get(node.index) ?? (this.training ? undefined : this.fusions.absorbedInEval.get(node.index));
      if (fusedInto !== undefined) {
        // The Conv before it already applied this activation.
        env.set(node.outputs[0] as string, env.get(this.graph.nodes[fusedInto]?.outputs[0] as string) as Value);
        continue;
      }
      const out = this.runNode(node.index, env, this.training, shapeValues);
      node.outputs.forEach((name, i) => {
        const v = out[i];
        if (!name || !v) return;
        env.set(name, v);
        // Known values come from constants and shapes only: the same for every call at these input shapes.
        if (v.known && !cached) shapeValues.set(name, v.known);
      });
    }
    if (!cached) {
      if (this.shapeValues.size >= SHAPE_CACHE_SIZE) this.shapeValues.delete(this.shapeValues.keys().next().value as string);
      this.shapeValues.set(key, shapeValues);
    }
    return this.outputNames.map((name) => {
      const known = this.constants.get(name) ?? shapeValues.get(name);
      const v = env.get(name) ?? (known && fromStatic(known));
      if (!v) throw new ConvkitError('importOnnx', `graph output '${name}' is never produced`);
      return v;
    });
  }

  /** A single-input graph on one batch: NHWC in (unless `inputLayout: 'nchw'`), the first output out. */
  override forward(x: tf.Tensor): tf.Tensor {
    if (this.inputNames.length !== 1)
      throw new OptionError('OnnxModel.forward', `the graph has ${this.inputNames.length} inputs (${this.inputNames}): use run(feeds)`);
    const byNhwc = (this.options.inputLayout ?? 'nhwc') === 'nhwc' && x.rank === 4;
    this.checkInput(this.graph.inputs[0] as GraphIo, byNhwc ? ([x.shape[0], x.shape[3], x.shape[1], x.shape[2]] as number[]) : x.shape);
    return tf.tidy(() => {
      const [out] = this.execute(new Map([[this.inputNames[0], byNhwc ? nhwc(x) : plain(x)]]));
      // A rank-4 output comes back NHWC whatever layout the graph left it in.
      return byNhwc && out.tensor.rank === 4 ? asNhwc(out) : onnxLayout(out);
    });
  }

  /** Runs any graph by its own input and output names, in its own (NCHW) layout. */
  run(feeds: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
    for (const name of this.inputNames) {
      if (!feeds[name]) throw new OptionError('OnnxModel.run', `missing input '${name}' (inputs: ${this.inputNames.join(', ')})`);
      this.checkInput(this.graph.inputs.find((i) => i.name === name) as GraphIo, feeds[name].shape);
    }
    const outs = tf.tidy(() => this.execute(new Map(this.inputNames.map((n) => [n, feedValue(feeds[n])]))).map(onnxLayout));
    return Object.fromEntries(this.outputNames.map((n, i) => [n, outs[i]]));
  }

  /** Fixed dimensions of a graph input must match (a symbolic one takes any size); a fixed batch says where it was baked in. */
  private checkInput(io: GraphIo, shape: number[]): void {
    const matches = (i: number) => typeof io.dims[i] !== 'number' || (io.dims[i] as number) < 0 || io.dims[i] === shape[i];
    if (!io.dims.length || (io.dims.length === shape.length && shape.every((_, i) => matches(i)))) return;
    const batch = io.dims[0];
    const batchOnly = io.dims.length === shape.length && shape.every((_, i) => i === 0 || matches(i));
    const reshape = this.graph.nodes.find((n) => n.opType === 'Reshape' && this.constants.get(n.inputs[1] as string)?.values[0] === batch);
    const baked = `: the batch size ${batch} was baked into the export${reshape ? ` (node '${reshape.name}' reshapes to batch ${batch})` : ''}; export with a dynamic batch axis to run batch ${shape[0]}`;
    throw new OptionError(`OnnxModel: input '${io.name}'`, `expected shape [${io.dims}] (NCHW), got [${shape}]${batchOnly ? baked : ''}`);
  }

  /** What `exportOnnx` writes back: the graph (after any cut) and the variable behind each weight use (node index → input position). */
  exportView(): { graph: Graph; weights: Map<number, Map<number, tf.Variable>> } {
    return { graph: this.graph, weights: new Map([...this.weights].map(([node, w]) => [node, w.inputs])) };
  }
}

/** A fed tensor as a graph value: a small integer one also carries its numbers, as a constant would. */
function feedValue(t: tf.Tensor): Value {
  const small = t.dtype === 'int32' ? t.size <= MAX_KNOWN_FEED : t.dtype === 'float32' && t.rank <= 1 && t.size <= MAX_KNOWN_FLOAT_FEED;
  if (!small) return plain(t);
  return {
    tensor: t,
    nhwc: false,
    known: { dims: t.shape, dtype: t.dtype as 'int32' | 'float32', values: t.dataSync() as Int32Array | Float32Array },
  };
}
