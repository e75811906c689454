import { skipInit } from '@convkit/core';
import { createModel, listModels, type ModelSource, modelInfo } from './registry';

/** A known model that a state dict fits, by its keys (and sizes). */
export interface ModelFit {
  /** The name `createModel` takes. */
  name: string;
  /**
   * Every tensor has the model's size (or no sizes were given). False when only tensors of the
   * classifier head (`classifierPath`) differ: a checkpoint fine-tuned for another number of classes.
   */
  exact: boolean;
}

/** What a model's state dict is, without its values: sizes by key, the head's path, the keys its default weights may add. */
interface Signature {
  sizes: Map<string, number>;
  head: string;
  ignore: readonly string[];
}

// Built once per model and process; a few kilobytes each.
const signatures = new Map<string, Signature>();

// BatchNorm counters are optional in checkpoints (PyTorch accepts them missing; so does loadWeights).
const isCounter = (key: string) => key.endsWith('num_batches_tracked');
const under = (key: string, prefix: string) => key === prefix || key.startsWith(`${prefix}.`);

function signature(name: string): Signature {
  const known = signatures.get(name);
  if (known) return known;
  const entry = modelInfo(name).weights[0];
  // Structure only: zeros instead of random draws make this ~50× cheaper (all models: a few seconds).
  const model = skipInit(() => createModel(name, { ...(entry?.modelOptions ?? {}) }));
  try {
    const sizes = new Map<string, number>();
    for (const [key, t] of Object.entries(model.stateDict())) if (!isCounter(key)) sizes.set(key, t.size);
    const found = { sizes, head: model.classifierPath, ignore: entry?.ignore ?? [] };
    signatures.set(name, found);
    return found;
  } finally {
    model.dispose();
  }
}

/**
 * The known models whose state dict has exactly these keys: a checkpoint's key set names its
 * architecture (`layer1.0.conv3.weight` is a Bottleneck ResNet's). Given shapes (in either
 * layout: element counts are compared), models with the same keys and other widths —
 * `resnet50`, `resnext50_32x4d`, `wide_resnet50_2` — are told apart, and a model that differs
 * only in its classifier head fits with `exact: false`. Exact fits come first.
 *
 * As when loading, `num_batches_tracked` keys are optional, a `module.` prefix on every key is
 * dropped, and keys a model's default weights leave out (GoogLeNet's `aux1`/`aux2`) may be there.
 * The first call for a model builds it once without random initialisation (`skipInit`): all
 * models take a few seconds, mostly for the largest; `filter` narrows the candidates.
 */
export function modelsMatchingKeys(
  stateDict: readonly string[] | Readonly<Record<string, readonly number[]>>,
  filter: { source?: ModelSource; family?: string } = {},
): ModelFit[] {
  const shapes = Array.isArray(stateDict) ? undefined : (stateDict as Readonly<Record<string, readonly number[]>>);
  let keys = (shapes ? Object.keys(shapes) : (stateDict as readonly string[])).filter((k) => !isCounter(k));
  const strip = keys.length > 0 && keys.every((k) => k.startsWith('module.'));
  if (strip) keys = keys.map((k) => k.slice('module.'.length));
  const sizeOf = (key: string) => (shapes?.[strip ? `module.${key}` : key] ?? []).reduce((a, b) => a * b, 1);

  const fits: ModelFit[] = [];
  for (const { name } of listModels(filter)) {
    const { sizes, head, ignore } = signature(name);
    const own = keys.filter((k) => !ignore.some((p) => under(k, p)));
    if (own.length !== sizes.size || !own.every((k) => sizes.has(k))) continue;
    const differing = shapes ? own.filter((k) => sizes.get(k) !== sizeOf(k)) : [];
    if (differing.every((k) => under(k, head))) fits.push({ name, exact: differing.length === 0 });
  }
  return [...fits.filter((f) => f.exact), ...fits.filter((f) => !f.exact)];
}
