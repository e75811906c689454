import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalTransforms, ImageClassifier } from '@convkit/core';
import { createModel } from '@convkit/models';
import { loadWeights } from '@convkit/weights';
import { UsageError } from './model-name';
import { buildOnnxClassifier, type OnnxClassifierSpec } from './onnx-classifier';
import { isOnnxPath, readOnnxFile } from './onnx-model-input';

/** `convkit.json`: what `convkit finetune` trained, so the folder predicts on its own. */
export interface FinetunedMeta {
  format: 'convkit-finetune';
  version: 1;
  /** The `createModel` name. */
  model: string;
  /** Label `i` is `classes[i]` (the class folders in sorted order, as torchvision's ImageFolder). */
  classes: string[];
  /** Options `createModel` needs besides `numClasses` (e.g. GoogLeNet's `transformInput`). */
  modelOptions: Record<string, unknown>;
  transforms: EvalTransforms;
  /** For a model fine-tuned from an ONNX file (`model` is then its path): the file and where its head was replaced. */
  onnx?: OnnxClassifierSpec & { file: string; sha256: string };
  metrics: { valLoss: number; valAccuracy: number; perClassAccuracy: Record<string, number> };
}

export const META_FILE = 'convkit.json';
export const WEIGHTS_FILE = 'model.safetensors';

/** A folder written by `convkit finetune`, or undefined when `folder` holds no `convkit.json`. */
export function readFinetunedFolder(folder: string): (FinetunedMeta & { weightsPath: string }) | undefined {
  const path = join(folder, META_FILE);
  if (!existsSync(path)) return undefined;
  let meta: FinetunedMeta;
  try {
    meta = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const ok =
    meta?.format === 'convkit-finetune' &&
    typeof meta.model === 'string' &&
    Array.isArray(meta.classes) &&
    meta.classes.length >= 2 &&
    meta.classes.every((c) => typeof c === 'string') &&
    typeof meta.transforms?.cropSize === 'number';
  if (!ok) throw new UsageError(`${path} is not a convkit finetune description (expected format, model, classes and transforms)`);
  const weightsPath = join(folder, WEIGHTS_FILE);
  if (!existsSync(weightsPath)) throw new UsageError(`${folder} has ${META_FILE} but no ${WEIGHTS_FILE}`);
  return { ...meta, modelOptions: meta.modelOptions ?? {}, weightsPath };
}

/**
 * For `convkit predict <model> --weights <folder>`: when the folder is one `convkit finetune`
 * wrote, the model with its head sized to the user's classes, the weights loaded, and the
 * transforms and class names it was trained with; undefined for any other folder.
 */
export async function loadFinetunedFolder(
  name: string,
  folder: string,
): Promise<{ model: ImageClassifier; transforms: EvalTransforms; classes: string[] } | undefined> {
  const meta = readFinetunedFolder(folder);
  if (!meta) return undefined;
  if (meta.onnx && isOnnxPath(name)) return loadOnnxFinetuned(name, folder, meta);
  if (meta.model !== name)
    throw new UsageError(`${folder} holds a fine-tuned ${meta.model}, not ${name}: run convkit predict ${meta.model} …`);
  const model = createModel(name, { ...meta.modelOptions, numClasses: meta.classes.length });
  try {
    await loadWeights(model, meta.weightsPath);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, transforms: meta.transforms, classes: meta.classes };
}

/**
 * An ONNX-based fine-tune: the graph comes from the ONNX file it was trained from (the same
 * bytes: convkit.json records their SHA-256), cut where it was, with the head and every weight
 * from model.safetensors.
 */
async function loadOnnxFinetuned(path: string, folder: string, meta: FinetunedMeta & { weightsPath: string }) {
  const source = meta.onnx as NonNullable<FinetunedMeta['onnx']>;
  const file = readOnnxFile(path);
  if (file.sha256 !== source.sha256)
    throw new UsageError(`${folder} was fine-tuned from ${source.file} (sha256 ${source.sha256.slice(0, 12)}…); ${path} is another file`);
  const model = await buildOnnxClassifier(file, source, meta.classes.length);
  try {
    await loadWeights(model, meta.weightsPath);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, transforms: meta.transforms, classes: meta.classes };
}
