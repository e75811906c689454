import { basename } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { centerCrop, compose, decodePredictions, IMAGENET_MEAN, IMAGENET_STD, normalize, resize, toTensor } from '@convkit/data';
import { decodeImage } from '@convkit/data/node';
import { createModel } from '@convkit/models';
import { UsageError, userModelInfo } from '../model-name';
import { toOnnxRuntime } from '@convkit/onnx';
import { type EvalTransforms } from '@convkit/core';
import { loadHubFolder, loadWeights } from '@convkit/weights';
import type { Command } from 'commander';
import { OptionError } from '@convkit/core';
import { statSync } from 'node:fs';
import { checkReadableFile, isLocalPath, readUserFile } from '../files';
import { positiveInt } from '../format';
import { withFitHint } from '../weights-fit';

interface PredictOptions {
  weights?: string;
  top: number;
  runtime: string;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify images with an ImageNet model (torchvision preprocessing and class names)')
    .argument('<model>', 'model name, e.g. resnet50')
    .argument('<images...>', 'PNG or JPEG files')
    .option(
      '--weights <source>',
      "a .pth/.safetensors file, a Hugging Face timm folder (config.json + model.safetensors), a URL, or 'default' for the catalog's default weights",
    )
    .option('--top <k>', 'how many classes to show', positiveInt('--top'), 5)
    .option('--runtime <name>', "'convkit' (its own kernels) or 'onnx' (export, then onnxruntime-node)", 'convkit')
    .action(async (name: string, images: string[], opts: PredictOptions) => {
      const info = userModelInfo(name);
      const local = opts.weights && isLocalPath(opts.weights) ? opts.weights : undefined;
      const hubFolder = local !== undefined && statSync(local, { throwIfNoEntry: false })?.isDirectory() === true;
      if (local && !hubFolder) checkReadableFile(local);
      for (const file of images) checkReadableFile(file);
      const entry = info.weights[0];
      const model = createModel(name, { ...(entry?.modelOptions ?? {}) });
      let t: EvalTransforms = entry?.transforms ?? {
        resizeSize: 256,
        cropSize: 224,
        interpolation: 'bilinear',
        mean: IMAGENET_MEAN,
        std: IMAGENET_STD,
      };
      if (!opts.weights) {
        console.warn(`no --weights given: ${name} has random weights, so the classes below are meaningless`);
      } else {
        if (opts.weights === 'default' && !entry)
          throw new UsageError(`${name} has no pretrained weights in the catalog; pass --weights <file>`);
        const source = opts.weights === 'default' ? entry : opts.weights;
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
      if (opts.runtime !== 'convkit' && opts.runtime !== 'onnx')
        throw new OptionError('--runtime', `expected 'convkit' or 'onnx', got '${opts.runtime}'`);
      // onnxruntime runs the exported graph; the predictor takes the same NHWC tensor as the model.
      const onnx = opts.runtime === 'onnx' ? await toOnnxRuntime(model, { inputShape: [1, t.cropSize, t.cropSize, 3] }) : null;
      const preprocess = compose([
        resize(t.resizeSize, { interpolation: t.interpolation, antialias: true }),
        centerCrop(t.cropSize),
        normalize(t.mean, t.std),
      ]);
      for (const file of images) {
        const input = tf.tidy(() => preprocess(toTensor(decodeImage(readUserFile(file), basename(file)))));
        const logits = onnx ? await onnx.predict(input) : model.predict(input);
        input.dispose();
        const [predictions] = decodePredictions(logits, { topK: opts.top });
        logits.dispose();
        console.log(`\n${file}`);
        for (const p of predictions) console.log(`  ${(100 * p.probability).toFixed(2).padStart(6)}%  ${p.className} (${p.index})`);
      }
      await onnx?.dispose();
      model.dispose();
    });
}
