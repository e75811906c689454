import { resolve } from 'node:path';
import type { EvalTransforms, ImageClassifier } from '@convkit/core';
import { ArrayDataset, batches, normalize } from '@convkit/data';
import { createModel } from '@convkit/models';
import { ConfusionMatrix, evaluate } from '@convkit/train';
import type { Command } from 'commander';
import { checkFolder } from '../files';
import { count, positiveInt, positiveNumber } from '../format';
import { applyFreeze, checkPrefix, onlyHeadTrains } from '../finetune/finetune-net';
import { trainAugmentation } from '../finetune/augment';
import { loadImageFolder } from '../finetune/load-images';
import { collectUnfreeze, type FinetuneOptions, parseAugment, parseOptimizer, parseValSplit } from '../finetune/options';
import { writeOutputs } from '../finetune/outputs';
import { printData, printEvaluation, printModel } from '../finetune/report';
import { trainStages } from '../finetune/train-stages';
import { UsageError, userModelInfo } from '../model-name';
import { DEFAULT_TRANSFORMS, loadPretrained } from '../pretrained';
import { progressPrinter } from '../progress';
import { type OnnxClassifier, onnxClassifier } from '../onnx-classifier';
import { isOnnxPath, type OnnxFile, onnxImageInput, onnxTransforms, readOnnxFile } from '../onnx-model-input';
import { loadWeights } from '@convkit/weights';

/** Loads `--weights` into the model; returns the eval transforms that go with them. */
async function pretrainedTransforms(model: ImageClassifier, name: string, weights: string | undefined): Promise<EvalTransforms> {
  if (weights) return loadPretrained(model, name, weights);
  console.warn(`no --weights given: ${name} starts from random weights (fine-tuning needs pretrained ones to shine)`);
  return userModelInfo(name).weights[0]?.transforms ?? DEFAULT_TRANSFORMS;
}

/**
 * `--model model.onnx`: the graph imported and cut before its classifier, with a new head; its
 * weights are pretrained ones (or `--weights`' by state-dict name). The eval transforms are those
 * for its input size, and `--image-size` must agree with a fixed one.
 */
async function onnxModel(file: OnnxFile, opts: FinetuneOptions): Promise<{ model: OnnxClassifier; transforms: EvalTransforms }> {
  const [, fixed] = onnxImageInput(file.info);
  if (fixed !== null && opts.imageSize && opts.imageSize !== fixed)
    throw new UsageError(`--image-size ${opts.imageSize}: ${file.path} takes ${fixed}×${fixed} images only (its input is fixed)`);
  const model = await onnxClassifier(file, opts.seed);
  try {
    if (opts.weights) await loadWeights(model, opts.weights);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, transforms: onnxTransforms(file.info) };
}

export async function finetune(folder: string, opts: FinetuneOptions): Promise<void> {
  const started = performance.now();
  // An unknown name or an unreadable/corrupt .onnx fails before anything else is read.
  const onnxFile = isOnnxPath(opts.model) ? readOnnxFile(opts.model) : undefined;
  if (!onnxFile) userModelInfo(opts.model);
  checkFolder(folder);
  // An ONNX file comes with its weights: its backbone is pretrained.
  const freeze = opts.freeze ?? (opts.weights || onnxFile ? 'backbone' : 'none');
  const unfreezeAt = opts.unfreezeAt ?? [];
  for (const u of unfreezeAt)
    if (u.epoch > opts.epochs)
      throw new UsageError(`--unfreeze-at ${u.epoch}:${u.prefix}: epoch ${u.epoch} is after the last one (--epochs ${opts.epochs})`);
  // Options a checkpoint needs (GoogLeNet's transformInput) apply only with its weights.
  const modelOptions = opts.weights && !onnxFile ? (userModelInfo(opts.model).weights[0]?.modelOptions ?? {}) : {};
  const fromOnnx = onnxFile && (await onnxModel(onnxFile, opts));
  const model: ImageClassifier = fromOnnx ? fromOnnx.model : createModel(opts.model, { ...modelOptions, seed: opts.seed });
  try {
    applyFreeze(model, opts.model, freeze);
    for (const u of unfreezeAt) checkPrefix(model, opts.model, '--unfreeze-at', u.prefix);
    const loaded = fromOnnx ? fromOnnx.transforms : await pretrainedTransforms(model, opts.model, opts.weights);
    // --image-size sets the crop; the resize keeps the weights' resize/crop ratio (256/224).
    const t: EvalTransforms = opts.imageSize
      ? { ...loaded, cropSize: opts.imageSize, resizeSize: Math.floor((opts.imageSize * loaded.resizeSize) / loaded.cropSize) }
      : loaded;
    const data = loadImageFolder(folder, {
      transforms: t,
      valSplit: opts.valSplit,
      seed: opts.seed,
      onFile: (done, total) => process.stderr.isTTY && process.stderr.write(`\rreading images ${done}/${total}`),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const { classes } = data;
    if (model.numClasses !== classes.length || opts.weights || fromOnnx) model.resetClassifier(classes.length, opts.seed);
    printModel(opts.model, model, freeze);
    if (opts.augment !== 'none' && onlyHeadTrains(model))
      console.log('(only the head trains: with --augment none the backbone would run once and the head train on cached features)');
    printData(folder, data);
    console.log(
      `eval transforms: resize ${t.resizeSize}, centre crop ${t.cropSize}, ${t.interpolation}, mean [${t.mean.join(', ')}], std [${t.std.join(', ')}]\n`,
    );

    const normalizeT = normalize(t.mean, t.std);
    const lr = opts.lr ?? (opts.optimizer === 'adamw' ? 1e-3 : 0.01);
    await trainStages(model, data.train, data.val, {
      ...opts,
      unfreezeAt,
      lr,
      augment: trainAugmentation(opts.augment, t.cropSize, opts.seed),
      normalize: normalizeT,
      onProgress: progressPrinter(),
      onUnfreeze: ({ epoch, prefixes, lr, trainable }) =>
        console.log(
          `epoch ${epoch}: unfreezing ${prefixes.join(', ')}; ${count(trainable)} parameters train now, at lr ${lr.toPrecision(2)}`,
        ),
      onCache: ({ images, values, seconds, epochs }) =>
        console.log(
          `the backbone is frozen and nothing is augmented: its features (${values} values per image) were computed once for ${images} images in ${seconds.toFixed(1)} s;\n` +
            // Without the cache every epoch would run the backbone over the same images again.
            `the head trains on them${epochs > 1 ? `, which saves about ${(seconds * (epochs - 1)).toFixed(1)} s of backbone passes over ${epochs} epochs` : ''}\n`,
        ),
    });

    const matrix = new ConfusionMatrix(classes.length, classes);
    const { size } = data.val;
    const valData = batches(new ArrayDataset({ images: data.val.images, labels: data.val.labels, imageShape: [size, size, 3] }), {
      batchSize: 64,
      batchTransform: normalizeT,
    });
    const result = await evaluate(model, valData, { confusionMatrix: matrix });
    console.log(
      `\nvalidation: loss ${result.loss.toFixed(4)}, accuracy ${(100 * (result.accuracy ?? 0)).toFixed(2)}% (${result.examples} images)`,
    );
    const perClassAccuracy = printEvaluation(matrix, classes);
    await writeOutputs(
      opts.out,
      model,
      {
        format: 'convkit-finetune',
        version: 1,
        model: opts.model,
        classes: [...classes],
        modelOptions,
        transforms: t,
        ...(fromOnnx && onnxFile ? { onnx: { file: resolve(onnxFile.path), sha256: onnxFile.sha256, ...fromOnnx.model.spec } } : {}),
        metrics: { valLoss: result.loss, valAccuracy: result.accuracy ?? 0, perClassAccuracy },
      },
      opts.onnx === true,
    );
    console.log(
      `\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s. Try: convkit predict ${opts.model} <image> --weights ${opts.out}`,
    );
  } finally {
    model.dispose();
  }
}

export function registerFinetune(program: Command): void {
  program
    .command('finetune')
    .description('fine-tune a torchvision/timm model on an image folder (one sub-folder per class, like torchvision ImageFolder)')
    .argument('<folder>', 'PNG/JPEG images in <folder>/<class>/…, or <folder>/train/<class>/… and <folder>/val/<class>/…')
    .option(
      '--model <name>',
      'any name `convkit models` lists, e.g. resnet18, mobilenet_v3_small, timm/tf_efficientnet_b0, or an .onnx classifier (its head is replaced)',
      'resnet18',
    )
    .option(
      '--weights <source>',
      "pretrained weights: a .pth/.safetensors file, a Hugging Face timm folder, a URL, or 'default' (none: random init)",
    )
    .option(
      '--image-size <px>',
      "crop size to train at (default: the weights' crop, e.g. 224); small images train faster",
      positiveInt('--image-size'),
    )
    .option('--val-split <fraction>', 'share of each class held out for validation, unless <folder>/val exists', parseValSplit, 0.2)
    .option('--epochs <n>', 'training epochs', positiveInt('--epochs'), 5)
    .option(
      '--lr <rate>',
      'learning rate (default: 1e-3 for adamw, 0.01 for sgd; stages after an unfreeze use a tenth)',
      positiveNumber('--lr'),
    )
    .option('--batch <n>', 'images per batch', positiveInt('--batch'), 32)
    .option(
      '--optimizer <name>',
      "'adamw' (weight decay 0.01) or 'sgd' (momentum 0.9, weight decay 1e-4); cosine schedule",
      parseOptimizer,
      'adamw',
    )
    .option('--seed <n>', 'seed for the head, the split, shuffling and augmentation', positiveInt('--seed'), 1)
    .option(
      '--freeze <what>',
      "'backbone' (all but the classifier head; the default with --weights), 'none' (the default without), or a module prefix such as layer1",
    )
    .option(
      '--unfreeze-at <epoch>:<prefix>',
      'from that epoch (counting from 1) also train <prefix>, e.g. 4:layer4; repeatable or comma-separated',
      collectUnfreeze,
    )
    .option(
      '--augment <policy>',
      "training augmentation: 'none', 'flip' (RandomResizedCrop + horizontal flip), or flip plus 'trivial' (TrivialAugmentWide), 'rand' (RandAugment) or 'auto' (AutoAugment)",
      parseAugment,
      'flip',
    )
    .option('--out <dir>', 'where to write model.safetensors and convkit.json', 'convkit-finetune')
    .option('--onnx', 'also write model.onnx (NCHW input, dynamic batch)')
    .addHelpText(
      'after',
      `
With the backbone frozen and --augment none, the backbone runs once per image and the head
trains on its cached features. The folder written predicts on its own:
  convkit finetune photos/ --model resnet18 --weights default --epochs 5 --out pets/
  convkit predict resnet18 cat.jpg --weights pets/`,
    )
    .action((folder: string, opts: FinetuneOptions) => finetune(folder, opts));
}
