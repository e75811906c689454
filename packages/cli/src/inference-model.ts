import { statSync } from 'node:fs';
import { basename } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { EvalTransforms, ImageClassifier } from '@convkit/core';
import { centerCrop, compose, IMAGENET_MEAN, IMAGENET_STD, normalize, resize, type Transform, toTensor } from '@convkit/data';
import { decodeImage } from '@convkit/data/node';
import { createModel } from '@convkit/models';
import { loadHubFolder, loadWeights } from '@convkit/weights';
import { checkReadableFile, isLocalPath, readUserFile } from './files';
import { loadFinetunedFolder } from './finetuned-folder';
import { UsageError, userModelInfo } from './model-name';
import { withFitHint } from './weights-fit';

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
  const info = userModelInfo(name);
  const local = weights && isLocalPath(weights) ? weights : undefined;
  const hubFolder = local !== undefined && statSync(local, { throwIfNoEntry: false })?.isDirectory() === true;
  if (local && !hubFolder) checkReadableFile(local);
  for (const file of images) checkReadableFile(file);
  const entry = info.weights[0];
  // A folder `convkit finetune` wrote: its own head size, transforms and class names.
  const finetuned = hubFolder ? await loadFinetunedFolder(name, local!) : undefined;
  const model = finetuned?.model ?? createModel(name, { ...(entry?.modelOptions ?? {}) });
  let t: EvalTransforms = finetuned?.transforms ??
    entry?.transforms ?? {
      resizeSize: 256,
      cropSize: 224,
      interpolation: 'bilinear',
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
    };
  if (finetuned) {
    process.stderr.write(`fine-tuned ${name} from ${local}: ${finetuned.classes.length} classes (${finetuned.classes.join(', ')})\n`);
  } else if (!weights) {
    console.warn(`no --weights given: ${name} has random weights, so the classes below are meaningless`);
  } else {
    if (weights === 'default' && !entry) throw new UsageError(`${name} has no pretrained weights in the catalog; pass --weights <file>`);
    const source = weights === 'default' ? entry : weights;
    const started = performance.now();
    const onProgress = (e: { loaded?: number; total?: number }) => {
      if (e.total) process.stderr.write(`\rloading weights ${Math.round((100 * (e.loaded ?? 0)) / e.total)}%`);
    };
    await withFitHint(name, async () => {
      // A timm folder brings its own eval transforms (config.json's pretrained_cfg).
      if (hubFolder) {
        t = (await loadHubFolder(model, local!, { onProgress })).config.transforms;
        process.stderr.write(`\rconfig.json's transforms: resize ${t.resizeSize}, centre crop ${t.cropSize}, ${t.interpolation}\n`);
      } else await loadWeights(model, source!, { onProgress });
    });
    process.stderr.write(`\rloaded weights in ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
  }
  return { model, transforms: t, classNames: finetuned?.classes };
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
