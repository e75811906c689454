import { type EvalTransforms, FormatError, type Module, OptionError } from '@convkit/core';
import { isNode } from './cache';
import { FetchError } from './errors';
import { loadWeights, type LoadWeightsOptions, type LoadWeightsResult } from './load-weights';

/** What a Hugging Face timm folder's `config.json` says: the model to build and its eval transforms. */
export interface HubConfig {
  /** timm's model name (`tf_efficientnet_b7`); convkit builds it as `createModel('timm/' + architecture)`. */
  architecture: string;
  /** timm's pretrained tag (`ns_jft_in1k`), when the config has one. */
  tag?: string;
  numClasses: number;
  /** From `pretrained_cfg`: resize to ⌊size / crop_pct⌋, centre-crop `size`, then normalise. */
  transforms: EvalTransforms;
  /** `label_names`, when the config lists them. */
  labelNames?: string[];
}

// The files timm's push_to_hub writes, in the order timm's loader prefers them.
const WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin'];

const join = (folder: string, file: string) => `${folder.replace(/\/+$/, '')}/${file}`;
const isUrl = (s: string) => /^(https?|blob|data):/i.test(s) || !isNode();

async function readText(location: string): Promise<string | undefined> {
  if (isUrl(location)) {
    const response = await fetch(location).catch((cause) => {
      throw new FetchError(location, `cannot fetch: ${(cause as Error).message}`, { cause });
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new FetchError(location, `HTTP ${response.status}`, { status: response.status });
    return response.text();
  }
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(location, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OptionError(`loadHubFolder: ${location}`, `cannot read the file: ${(cause as Error).message}`);
  }
}

async function exists(location: string): Promise<boolean> {
  if (isUrl(location)) return (await fetch(location, { method: 'HEAD' }).catch(() => undefined))?.ok ?? false;
  const { access } = await import('node:fs/promises');
  return access(location).then(
    () => true,
    () => false,
  );
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isTriple = (v: unknown): v is [number, number, number] => Array.isArray(v) && v.length === 3 && v.every(isNumber);

/** Reads timm's `config.json` (its `pretrained_cfg` included) into the model name and eval transforms. */
export function parseHubConfig(json: unknown, where = 'config.json'): HubConfig {
  if (typeof json !== 'object' || json === null)
    throw new FormatError(where, `expected a JSON object, got ${json === null ? 'null' : typeof json}`);
  const config = json as Record<string, unknown>;
  const cfg = config.pretrained_cfg as Record<string, unknown> | undefined;
  if (typeof config.architecture !== 'string')
    throw new FormatError(`${where}: architecture`, `expected timm's model name, got ${JSON.stringify(config.architecture)}`);
  if (typeof cfg !== 'object' || cfg === null) throw new FormatError(`${where}: pretrained_cfg`, 'missing: not a timm model folder');
  const inputSize = cfg.input_size;
  if (!Array.isArray(inputSize) || inputSize.length !== 3 || !inputSize.every((v) => Number.isInteger(v) && v > 0)) {
    throw new FormatError(`${where}: pretrained_cfg.input_size`, `expected [channels, height, width], got ${JSON.stringify(inputSize)}`);
  }
  const cropPct = cfg.crop_pct ?? 0.875;
  if (!isNumber(cropPct) || cropPct <= 0 || cropPct > 1)
    throw new FormatError(`${where}: pretrained_cfg.crop_pct`, `expected a number in (0, 1], got ${JSON.stringify(cropPct)}`);
  const cropMode = cfg.crop_mode ?? 'center';
  if (cropMode !== 'center')
    throw new FormatError(`${where}: pretrained_cfg.crop_mode`, `only 'center' is supported, got ${JSON.stringify(cropMode)}`);
  const interpolation = cfg.interpolation ?? 'bilinear';
  if (interpolation !== 'bilinear' && interpolation !== 'bicubic') {
    throw new FormatError(
      `${where}: pretrained_cfg.interpolation`,
      `expected 'bilinear' or 'bicubic', got ${JSON.stringify(interpolation)}`,
    );
  }
  const { mean, std } = cfg;
  if (!isTriple(mean) || !isTriple(std))
    throw new FormatError(`${where}: pretrained_cfg.mean/std`, `expected 3 numbers each, got ${JSON.stringify({ mean, std })}`);
  const numClasses = config.num_classes ?? cfg.num_classes;
  if (!Number.isInteger(numClasses) || (numClasses as number) < 0)
    throw new FormatError(`${where}: num_classes`, `expected an integer, got ${JSON.stringify(numClasses)}`);
  const [, height, width] = inputSize as number[];
  if (height !== width)
    throw new FormatError(`${where}: pretrained_cfg.input_size`, `only square inputs are supported, got ${height}×${width}`);
  const labelNames = Array.isArray(config.label_names) ? config.label_names.map(String) : undefined;
  return {
    architecture: config.architecture,
    ...(typeof cfg.tag === 'string' ? { tag: cfg.tag } : {}),
    numClasses: numClasses as number,
    // timm's transforms_factory: scale_size = floor(img_size / crop_pct).
    transforms: { resizeSize: Math.floor(height / cropPct), cropSize: height, interpolation, mean, std },
    ...(labelNames ? { labelNames } : {}),
  };
}

/** The `config.json` of a timm folder: a local directory (Node) or a URL such as `https://huggingface.co/timm/<id>/resolve/main`. */
export async function readHubConfig(folder: string): Promise<HubConfig> {
  const path = join(folder, 'config.json');
  const text = await readText(path);
  if (text === undefined)
    throw new OptionError(
      `readHubConfig: ${folder}`,
      'no config.json there: expected a Hugging Face timm folder (config.json and model.safetensors)',
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new FormatError(path, `not valid JSON (${(cause as Error).message})`);
  }
  return parseHubConfig(json, path);
}

/**
 * Loads a Hugging Face-style timm folder — `config.json` and `model.safetensors` (or
 * `pytorch_model.bin`) — into a model built with timm's names, and returns the folder's config
 * with the eval transforms its `pretrained_cfg` gives, as `timm.create_model('hf-hub:…')` does.
 */
export async function loadHubFolder(
  model: Module,
  folder: string,
  options: LoadWeightsOptions = {},
): Promise<LoadWeightsResult & { config: HubConfig }> {
  const config = await readHubConfig(folder);
  for (const file of WEIGHT_FILES) {
    const path = join(folder, file);
    if (await exists(path)) return { ...(await loadWeights(model, path, options)), config };
  }
  throw new OptionError(`loadHubFolder: ${folder}`, `no weights file: expected one of ${WEIGHT_FILES.join(', ')}`);
}
