import * as tf from '@tensorflow/tfjs-core';
import {
  chooseConversion,
  flattenedInputs,
  type LayoutConversion,
  type Module,
  parameterConversion,
  sameShape,
  StateDictError,
  toPytorchShape,
  toTfjsShape,
  toTfjsValues,
} from '@convkit/core';
import { tfjsDType } from './dtypes';
import { openWeights, type OpenWeightsOptions, type WeightSource, type WeightsEntry } from './source';
import type { FetchProgress } from './fetch-weights';
import type { RawTensor, WeightFile, WeightFormat } from './weight-file';

export type KeyPattern = string | RegExp;

export type LoadProgress = ({ phase: 'download' } & FetchProgress) | { phase: 'load'; loaded: number; total: number; key: string };

export interface LoadWeightsOptions extends Omit<OpenWeightsOptions, 'onProgress'> {
  /** Report missing and unexpected keys as errors (default true). Shape mismatches always are. */
  strict?: boolean;
  /** Keys to leave out on both sides: exact keys or dotted prefixes (`'fc'`), or RegExps. */
  ignore?: KeyPattern | KeyPattern[];
  /** Maps a file key to a module key; return null to drop the tensor. Applied after `module.` stripping. */
  rename?: (key: string) => string | null | undefined;
  /**
   * Module prefixes (e.g. `['fc']`, `['classifier']`) whose tensors may differ in shape — a new
   * head size. Those keys keep their initial values and are listed in `result.skipped`.
   */
  allowHeadMismatch?: string[];
  onProgress?: (event: LoadProgress) => void;
}

export interface LoadWeightsResult {
  format: WeightFormat;
  /** Module keys that received a tensor. */
  loaded: string[];
  /** Head keys left at their initial values because of `allowHeadMismatch` (shapes in convkit's tfjs layout). */
  skipped: { key: string; expected: number[]; actual: number[] }[];
  /** Module keys with no tensor in the file (only possible with strict: false, or num_batches_tracked). */
  missing: string[];
  /** File keys the module has no place for (strict: false). */
  unexpected: string[];
  /** Keys dropped by `ignore` or `rename`. */
  ignored: string[];
}

// Tensors are created and copied into the module in batches of about this many bytes, so the
// peak memory of a load is the model plus one batch, not two models.
const BATCH_BYTES = 64 * 1024 * 1024;

function matchesAny(key: string, patterns: KeyPattern[]): boolean {
  return patterns.some((p) => (typeof p === 'string' ? key === p || key.startsWith(`${p}.`) : p.test(key)));
}

/** Loads weights from any source into a convkit module, converting PyTorch layouts to tfjs ones. */
export async function loadWeights(model: Module, source: WeightSource, options: LoadWeightsOptions = {}): Promise<LoadWeightsResult> {
  const onProgress = options.onProgress;
  const file = await openWeights(source, { ...options, onProgress: onProgress && ((e) => onProgress({ phase: 'download', ...e })) });
  // A catalog entry may name checkpoint keys the model never has (GoogLeNet's untrained aux heads).
  const entryIgnore = isEntry(source) ? (source.ignore ?? []) : [];
  if (entryIgnore.length === 0) return applyWeights(model, file, options);
  const own = options.ignore === undefined ? [] : Array.isArray(options.ignore) ? options.ignore : [options.ignore];
  return applyWeights(model, file, { ...options, ignore: [...own, ...entryIgnore] });
}

function isEntry(source: WeightSource): source is WeightsEntry {
  return typeof source === 'object' && source !== null && 'url' in source && !(source instanceof URL);
}

export type ApplyWeightsOptions = Pick<LoadWeightsOptions, 'strict' | 'ignore' | 'rename' | 'allowHeadMismatch' | 'onProgress'>;

/** The synchronous half of `loadWeights`, for a file already parsed (parseWeights / parseTfjsManifest). */
export function applyWeights(model: Module, file: WeightFile, options: ApplyWeightsOptions = {}): LoadWeightsResult {
  const { strict = true, rename, allowHeadMismatch = [], onProgress } = options;
  const ignore = options.ignore === undefined ? [] : Array.isArray(options.ignore) ? options.ignore : [options.ignore];
  const own = model.stateDict();
  const flattened = flattenedInputs(model);
  // DataParallel saves every key under `module.`; strip it only when all keys have it.
  const strip = file.tensors.length > 0 && file.tensors.every((t) => t.key.startsWith('module.'));
  const ignored: string[] = [];
  const byKey = new Map<string, RawTensor>();
  for (const t of file.tensors) {
    const base = strip ? t.key.slice('module.'.length) : t.key;
    const key = rename ? rename(base) : base;
    if (!key || matchesAny(key, ignore)) ignored.push(t.key);
    else byKey.set(key, t);
  }

  const plan: { key: string; tensor: RawTensor; conversion: LayoutConversion }[] = [];
  const skipped: LoadWeightsResult['skipped'] = [];
  // Described in the file's layout: a PyTorch checkpoint's user knows its shapes as [out, in, kh, kw].
  const mismatched: { key: string; expected: number[]; actual: number[] }[] = [];
  const missing = Object.keys(own).filter((k) => !byKey.has(k) && !matchesAny(k, ignore));
  const unexpected = [...byKey.keys()].filter((k) => !(k in own));
  for (const [key, target] of Object.entries(own)) {
    const tensor = byKey.get(key);
    if (!tensor) continue;
    const flattenedInput = flattened.get(key.slice(0, key.lastIndexOf('.')));
    const conversion = chooseConversion(tensor.shape, target.shape, file.layout, flattenedInput);
    const actual = toTfjsShape(tensor.shape, conversion);
    if (sameShape(actual, target.shape)) plan.push({ key, tensor, conversion });
    else if (allowHeadMismatch.some((p) => key === p || key.startsWith(`${p}.`))) skipped.push({ key, expected: target.shape, actual });
    else {
      const expected =
        file.layout === 'tfjs' ? target.shape : toPytorchShape(target.shape, parameterConversion(target.shape, flattenedInput));
      mismatched.push({ key, expected, actual: tensor.shape });
    }
  }
  // PyTorch's BatchNorm accepts checkpoints from before num_batches_tracked existed; so do we.
  const required = missing.filter((k) => !k.endsWith('num_batches_tracked'));
  if (mismatched.length || (strict && (required.length || unexpected.length))) {
    throw new StateDictError(`loadWeights(${file.name})`, {
      missing: strict ? required : [],
      unexpected: strict ? unexpected : [],
      mismatched,
      layout: file.layout,
      shapes: Object.fromEntries([...byKey].map(([key, t]) => [key, t.shape])),
    });
  }

  let batch: Record<string, tf.Tensor> = {};
  let batchBytes = 0;
  const flush = () => {
    try {
      model.loadStateDict(batch, { strict: false });
    } finally {
      tf.dispose(Object.values(batch));
    }
    batch = {};
    batchBytes = 0;
  };
  try {
    plan.forEach(({ key, tensor, conversion }, i) => {
      // toTfjsValues always copies: a module must never alias the caller's buffer.
      batch[key] = tf.tensor(
        toTfjsValues(tensor.read(), tensor.shape, conversion),
        toTfjsShape(tensor.shape, conversion),
        tfjsDType(tensor.dtype),
      );
      batchBytes += batch[key].size * 4;
      if (batchBytes >= BATCH_BYTES) flush();
      onProgress?.({ phase: 'load', loaded: i + 1, total: plan.length, key });
    });
    flush();
  } catch (e) {
    tf.dispose(Object.values(batch));
    throw e;
  }
  return { format: file.format, loaded: plan.map((p) => p.key), skipped, missing, unexpected, ignored };
}
