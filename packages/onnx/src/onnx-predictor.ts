import * as tf from '@tensorflow/tfjs-core';
import { type Module, OptionError, ShapeError, shapeString } from '@convkit/core';
import { MissingPeerError } from './errors';
import { type ExportOnnxOptions, exportOnnx } from './export-onnx';

/** The part of onnxruntime's API (node and web share it) that the predictor uses. */
export interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession>;
  };
}

interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
  release?(): Promise<void>;
}

export interface ToOnnxRuntimeOptions extends Pick<ExportOnnxOptions, 'opset' | 'foldBatchNorm'> {
  /** `[N, H, W, C]`, the NHWC shape `predict` takes; the batch stays dynamic. */
  inputShape: number[];
  /**
   * The onnxruntime module to run on (`await import('onnxruntime-web')` in a bundled page).
   * Default: `onnxruntime-node` in Node, `onnxruntime-web` elsewhere, imported on first use.
   */
  ort?: OrtModule;
  /** Execution providers; default `['cpu']` in Node, `['webgpu', 'wasm']` where the page has WebGPU, else `['wasm']`. */
  executionProviders?: string[];
  /** Extra session options handed to `InferenceSession.create` (e.g. `intraOpNumThreads`). */
  sessionOptions?: Record<string, unknown>;
}

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** Imports an onnxruntime package by name (the optional peer), or says which one to install. */
export async function importRuntime(name = isNode() ? 'onnxruntime-node' : 'onnxruntime-web'): Promise<{ ort: OrtModule; name: string }> {
  try {
    // A computed specifier: bundlers must not resolve an optional peer the user may not have.
    const mod = (await import(/* @vite-ignore */ name)) as OrtModule & { default?: OrtModule };
    return { ort: mod.InferenceSession ? mod : (mod.default as OrtModule), name };
  } catch (cause) {
    throw new MissingPeerError('toOnnxRuntime', name, cause);
  }
}

function defaultProviders(name: string): string[] {
  if (name === 'onnxruntime-node') return ['cpu'];
  return typeof navigator !== 'undefined' && 'gpu' in navigator ? ['webgpu', 'wasm'] : ['wasm'];
}

/**
 * A convkit model exported to ONNX and running on onnxruntime: `predict` takes the NHWC tensor
 * the model takes and returns what `model.predict` would (the graph runs NHWC in, so no copies).
 */
export class OnnxPredictor {
  constructor(
    private readonly session: OrtSession,
    private readonly ort: OrtModule,
    /** `[H, W, C]` the graph was exported for. */
    readonly inputShape: [number, number, number],
    /** The ONNX file that runs (keep it to save it). */
    readonly onnx: Uint8Array,
    /** The execution providers asked for. */
    readonly executionProviders: string[],
  ) {}

  async predict(x: tf.Tensor): Promise<tf.Tensor> {
    const [h, w, c] = this.inputShape;
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
      throw new ShapeError('OnnxPredictor.predict', `expected NHWC input [N,${h},${w},${c}], got ${shapeString(x.shape)}`);
    }
    const data = (await x.data()) as Float32Array;
    const outputs = await this.session.run({ input: new this.ort.Tensor('float32', data, x.shape) });
    const out = outputs.output;
    return tf.tensor(out.data as Float32Array, [...out.dims]);
  }

  async dispose(): Promise<void> {
    await this.session.release?.();
  }
}

/** Exports `model` (NHWC input, dynamic batch) and opens it on onnxruntime. */
export async function toOnnxRuntime(model: Module, options: ToOnnxRuntimeOptions): Promise<OnnxPredictor> {
  const { inputShape, ort: given, executionProviders, sessionOptions = {}, ...exportOptions } = options ?? ({} as ToOnnxRuntimeOptions);
  if (!Array.isArray(inputShape) || inputShape.length !== 4)
    throw new OptionError('toOnnxRuntime: inputShape', `expected NHWC [N, H, W, C], got ${JSON.stringify(inputShape)}`);
  const { ort, name } = given ? { ort: given, name: 'onnxruntime-web' } : await importRuntime();
  const onnx = await exportOnnx(model, { ...exportOptions, inputShape, inputLayout: 'nhwc', dynamicBatch: true });
  const providers = executionProviders ?? (given ? defaultProviders('onnxruntime-web') : defaultProviders(name));
  const session = await ort.InferenceSession.create(onnx, { executionProviders: providers, ...sessionOptions });
  return new OnnxPredictor(session, ort, [inputShape[1], inputShape[2], inputShape[3]], onnx, providers);
}
