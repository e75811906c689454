import { basename } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { EvalTransforms, ImageClassifier, Module } from '@convkit/core';
import { centerCrop, compose, normalize, resize, type Transform, toTensor } from '@convkit/data';
import { decodeImage } from '@convkit/data/node';
import { createModel } from '@convkit/models';
import { importOnnx } from '@convkit/onnx';
import { loadWeights } from '@convkit/weights';
import { checkReadableFile, readUserFile } from './files';
import { loadFinetunedFolder } from './finetuned-folder';
import { DEFAULT_TRANSFORMS, loadPretrained, weightsFolder } from './pretrained';
import { UsageError, userModelInfo } from './model-name';
import { onnxTransforms, readOnnxFile } from './onnx-model-input';

/** A model ready to classify, with the eval transforms (and class names) its weights go with. */
export interface InferenceModel {
  model: ImageClassifier;
  transforms: EvalTransforms;
  /** A fine-tuned folder's class names; ImageNet's otherwise. */
  classNames?: string[];
}

/**
 * The model `predict` and `explain` run: built by name, with the weights of `--weights` (a
 * .pth/.safetensors file, a timm folder, a `convkit finetune` folder, a URL or 'default'), and the
 * eval transforms that go with them. The files named are checked before any work starts.
 */
export async function loadInferenceModel(name: string, weights: string | undefined, images: readonly string[]): Promise<InferenceModel> {
  const entry = userModelInfo(name).weights[0];
  const folder = weightsFolder(weights);
  for (const file of images) checkReadableFile(file);
  // A folder `convkit finetune` wrote: its own head size, transforms and class names.
  const finetuned = folder ? await loadFinetunedFolder(name, folder) : undefined;
  if (finetuned) {
    process.stderr.write(`fine-tuned ${name} from ${folder}: ${finetuned.classes.length} classes (${finetuned.classes.join(', ')})\n`);
    return { model: finetuned.model, transforms: finetuned.transforms, classNames: finetuned.classes };
  }
  const model = createModel(name, { ...(entry?.modelOptions ?? {}) });
  if (!weights) {
    console.warn(`no --weights given: ${name} has random weights, so the classes below are meaningless`);
    return { model, transforms: entry?.transforms ?? DEFAULT_TRANSFORMS };
  }
  return { model, transforms: await loadPretrained(model, name, weights) };
}

/**
 * `predict model.onnx`: the imported graph with its own weights (or a .pth/.safetensors file's,
 * by its state-dict names), or the fine-tune of it a `convkit finetune` folder holds. Transforms:
 * the folder's, else those for the graph's input size (`onnxTransforms`).
 */
export async function loadOnnxInference(
  path: string,
  weights: string | undefined,
  images: readonly string[],
): Promise<{ model: Module; transforms: EvalTransforms; classNames?: string[] }> {
  const folder = weightsFolder(weights);
  for (const file of images) checkReadableFile(file);
  if (folder) {
    const finetuned = await loadFinetunedFolder(path, folder);
    if (!finetuned) throw new UsageError(`${folder} is not a folder \`convkit finetune\` wrote (no convkit.json)`);
    process.stderr.write(`fine-tuned ${path} from ${folder}: ${finetuned.classes.length} classes (${finetuned.classes.join(', ')})\n`);
    return { model: finetuned.model, transforms: finetuned.transforms, classNames: finetuned.classes };
  }
  const file = readOnnxFile(path);
  const model = await importOnnx(file.bytes);
  try {
    if (weights) await loadWeights(model, weights);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, transforms: onnxTransforms(file.info) };
}

/** torchvision's eval preprocessing: resize (antialiased), centre crop and, unless `normalized` is false, normalize. */
export function evalPreprocess(t: EvalTransforms, { normalized = true }: { normalized?: boolean } = {}): Transform {
  return compose([
    resize(t.resizeSize, { interpolation: t.interpolation, antialias: true }),
    centerCrop(t.cropSize),
    ...(normalized ? [normalize(t.mean, t.std)] : []),
  ]);
}

/** An image file decoded and preprocessed into a `[1,H,W,3]` batch. */
export function readImageInput(file: string, preprocess: Transform, maxPixels?: number): tf.Tensor4D {
  return tf.tidy(() => preprocess(toTensor(decodeImage(readUserFile(file), basename(file), { maxPixels }))) as tf.Tensor4D);
}
