import * as tf from '@tensorflow/tfjs-core';
import { type Module, OptionError } from '@convkit/core';
import { version } from '../package.json';
import { architectureMappings } from './architecture-mappings';
import { exportOpset, importedMappings } from './export-imported';
import { activationMapping, layerMappings } from './layer-mappings';
import { MappingContext, type OnnxMapping } from './mapping-context';
import { normMappings } from './norm-mappings';
import { encodeModel } from './model-proto';
import { OnnxGraph, type OnnxValue } from './onnx-graph';

/** Opsets written: 13 (Clip/Unsqueeze with tensor inputs) to 17 (the newest Debian's onnx 1.12 checks). */
export const MIN_OPSET = 13;
export const MAX_OPSET = 17;
export const DEFAULT_OPSET = 17;

export interface ExportOnnxOptions {
  /** `[N, C, H, W]` (default layout) or `[N, H, W, C]` with `inputLayout: 'nhwc'`; N is the batch of a static export. */
  inputShape: number[];
  /** Default 17; a tree holding an imported graph (`importOnnx`) keeps that graph's opset unless a later one is asked for. */
  opset?: number;
  /** A symbolic `batch` dimension on the input and output (default true). */
  dynamicBatch?: boolean;
  /** `'nchw'` (default, what ONNX consumers expect) or `'nhwc'` (a Transpose at the input, and at a 4-D output). */
  inputLayout?: 'nchw' | 'nhwc';
  /** Fold each BatchNorm into the conv before it (the conv's initializers then carry the norm). Default false. */
  foldBatchNorm?: boolean;
}

const custom = new Map<string, OnnxMapping>();

/**
 * Maps modules of type `typeName` (a module's `typeName`) to ONNX nodes, for modules of your own.
 * A mapping reads the module, appends nodes through the context and returns the output value.
 */
export function registerOnnxMapping(typeName: string, mapping: OnnxMapping): void {
  custom.set(typeName, mapping);
}

function lookup(module: Module): OnnxMapping | undefined {
  return (
    custom.get(module.typeName) ??
    layerMappings[module.typeName] ??
    architectureMappings[module.typeName] ??
    normMappings[module.typeName] ??
    importedMappings[module.typeName] ??
    activationMapping(module)
  );
}

function checkOptions(model: Module, options: ExportOnnxOptions): Required<ExportOnnxOptions> {
  const where = 'exportOnnx';
  if (options == null || !Array.isArray(options.inputShape))
    throw new OptionError(`${where}: inputShape`, `expected [N, C, H, W], got ${JSON.stringify(options?.inputShape)}`);
  const { inputShape, dynamicBatch = true, inputLayout = 'nchw', foldBatchNorm = false } = options;
  if (inputShape.length !== 4 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new OptionError(
      `${where}: inputShape`,
      `expected 4 positive integers ${inputLayout === 'nhwc' ? '[N, H, W, C]' : '[N, C, H, W]'}, got ${JSON.stringify(inputShape)}`,
    );
  }
  const opset = exportOpset(model, options.opset) ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new OptionError(`${where}: opset`, `expected an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${opset}`);
  }
  if (inputLayout !== 'nchw' && inputLayout !== 'nhwc')
    throw new OptionError(`${where}: inputLayout`, `expected 'nchw' or 'nhwc', got '${inputLayout}'`);
  return { inputShape, opset, dynamicBatch, inputLayout, foldBatchNorm };
}

/** Reads every initializer's values (tensors once each), converted to ONNX's layout. */
async function readInitializers(graph: OnnxGraph): Promise<Map<string, Float32Array | number[]>> {
  const out = new Map<string, Float32Array | number[]>();
  for (const init of graph.initializers.values()) {
    const raw = init.values instanceof tf.Tensor ? ((await init.values.data()) as Float32Array) : init.values;
    out.set(init.name, init.convert ? init.convert(raw as Float32Array) : raw);
  }
  return out;
}

/**
 * The ONNX model (bytes of a `.onnx` file) of a convkit module in evaluation mode: weights as
 * initializers under their state-dict keys, NCHW input `input` and output `output`, a dynamic
 * batch. A model in training mode is written as in `eval()` and its modes are left as they were.
 *
 * An imported graph (`importOnnx`) is written back as its own nodes with its current weights, so
 * a fine-tuned model goes back to ONNX the way it came in:
 *
 * ```ts
 * const backbone = await importOnnx(bytes, { outputs: ['/Flatten_output_0'] }); // resnet18 without fc
 * const model = new Sequential(backbone, new Linear(512, 4)).freeze('0');
 * // … train the head …
 * const tuned = await exportOnnx(model, { inputShape: [1, 3, 224, 224] });
 * ```
 *
 * Such a graph needs one input and one output, and opset 13 or later (kept unless `opset` asks
 * for a later one); shared initializers are written apart, as the import un-shared them.
 */
export async function exportOnnx(model: Module, options: ExportOnnxOptions): Promise<Uint8Array> {
  const { inputShape, opset, dynamicBatch, inputLayout, foldBatchNorm } = checkOptions(model, options);
  const nchw = inputLayout === 'nhwc' ? [inputShape[0], inputShape[3], inputShape[1], inputShape[2]] : inputShape;
  const graph = new OnnxGraph(opset);
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  try {
    const paths = new Map(model.namedModules().map(([path, m]) => [m, path]));
    const root = new MappingContext(graph, { opset, foldBatchNorm }, '', paths, lookup);
    let x: OnnxValue = { name: 'input', shape: nchw };
    if (inputLayout === 'nhwc') x = { name: graph.add('Transpose', ['input'], { perm: [0, 3, 1, 2] }, 'input'), shape: nchw };
    let y = root.emit(model, x);
    if (inputLayout === 'nhwc' && y.shape.length === 4) {
      y = {
        name: graph.add('Transpose', [y.name], { perm: [0, 2, 3, 1] }, 'output'),
        shape: [y.shape[0], y.shape[2], y.shape[3], y.shape[1]],
      };
    }
    if (y.name === 'input' || graph.initializers.has(y.name)) y = { ...y, name: graph.add('Identity', [y.name]) };
    graph.renameOutput(y.name, 'output');
    const batch = (shape: number[]) => [dynamicBatch ? 'batch' : shape[0], ...shape.slice(1)];
    const values = await readInitializers(graph);
    return encodeModel(graph, values, {
      name: model.typeName,
      input: { name: 'input', dims: batch(inputShape) },
      output: { name: 'output', dims: batch(y.shape) },
      producerVersion: version,
    });
  } finally {
    graph.dispose();
    for (const [m, mode] of modes) m.training = mode;
  }
}
