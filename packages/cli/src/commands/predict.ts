import { decodePredictions } from '@convkit/data';
import { toOnnxRuntime } from '@convkit/onnx';
import type { Command } from 'commander';
import { OptionError } from '@convkit/core';
import { positiveInt, positiveNumber } from '../format';
import { readUserFile } from '../files';
import { evalPreprocess, loadInferenceModel, loadOnnxInference, readImageInput } from '../inference-model';
import { isOnnxPath } from '../onnx-model-input';
import { overrideTransforms, parseTriple, type TransformOverrides } from '../transform-options';

interface PredictOptions extends TransformOverrides {
  weights?: string;
  top: number;
  runtime: string;
  maxPixels?: number;
  labels?: string;
}

/** `--labels file.txt` (one name a line), else the names the weights came with; ImageNet's for 1000 classes, indices otherwise. */
function classNamesFor(classes: number, labels: string | undefined, known: string[] | undefined): string[] | undefined {
  if (labels) {
    const names = readUserFile(labels)
      .toString('utf8')
      .split(/\r?\n/)
      .map((l) => l.trim());
    while (names.length && !names.at(-1)) names.pop();
    if (names.length !== classes)
      throw new OptionError('--labels', `${labels} has ${names.length} lines but the model has ${classes} classes`);
    return names;
  }
  if (known || classes === 1000) return known;
  return Array.from({ length: classes }, (_, i) => String(i));
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify images with an ImageNet model (torchvision preprocessing and class names)')
    .argument('<model>', 'model name, e.g. resnet50, or an .onnx file')
    .argument('<images...>', 'PNG or JPEG files')
    .option(
      '--weights <source>',
      "a .pth/.safetensors file, a Hugging Face timm folder (config.json + model.safetensors), a folder `convkit finetune` wrote (its class names), a URL, or 'default' for the catalog's default weights",
    )
    .option('--top <k>', 'how many classes to show', positiveInt('--top'), 5)
    .option('--runtime <name>', "'convkit' (its own kernels) or 'onnx' (export, then onnxruntime-node)", 'convkit')
    .option(
      '--max-pixels <n>',
      "refuse an image whose header declares more pixels, before decoding it (default 89478485, Pillow's limit; Infinity for none)",
      positiveNumber('--max-pixels'),
    )
    .option('--labels <file>', 'class names, one a line (default: the weights’ own; ImageNet’s for 1000 classes, else indices)')
    .option('--image-size <px>', 'centre crop size (the resize keeps the weights’ resize/crop ratio)', positiveInt('--image-size'))
    .option('--mean <r,g,b>', 'normalization mean (default: the weights’ own, else ImageNet’s)', parseTriple('--mean'))
    .option('--std <r,g,b>', 'normalization std (default: the weights’ own, else ImageNet’s)', parseTriple('--std'))
    .action(async (name: string, images: string[], opts: PredictOptions) => {
      // Weights, transforms and class names as `convkit explain` gets them (inference-model.ts).
      const loaded = isOnnxPath(name)
        ? await loadOnnxInference(name, opts.weights, images)
        : await loadInferenceModel(name, opts.weights, images);
      const { model } = loaded;
      const t = overrideTransforms(loaded.transforms, opts);
      if (opts.runtime !== 'convkit' && opts.runtime !== 'onnx')
        throw new OptionError('--runtime', `expected 'convkit' or 'onnx', got '${opts.runtime}'`);
      // onnxruntime runs the exported graph; the predictor takes the same NHWC tensor as the model.
      const onnx = opts.runtime === 'onnx' ? await toOnnxRuntime(model, { inputShape: [1, t.cropSize, t.cropSize, 3] }) : null;
      const preprocess = evalPreprocess(t);
      for (const file of images) {
        const input = readImageInput(file, preprocess, opts.maxPixels);
        const logits = onnx ? await onnx.predict(input) : model.predict(input);
        input.dispose();
        const classNames = classNamesFor(logits.shape[1] as number, opts.labels, loaded.classNames);
        const [predictions] = decodePredictions(logits, { topK: Math.min(opts.top, logits.shape[1] as number), classNames });
        logits.dispose();
        console.log(`\n${file}`);
        for (const p of predictions) console.log(`  ${(100 * p.probability).toFixed(2).padStart(6)}%  ${p.className} (${p.index})`);
      }
      await onnx?.dispose();
      model.dispose();
    });
}
