import { decodePredictions } from '@convkit/data';
import { toOnnxRuntime } from '@convkit/onnx';
import type { Command } from 'commander';
import { OptionError } from '@convkit/core';
import { positiveInt, positiveNumber } from '../format';
import { evalPreprocess, loadInferenceModel, readImageInput } from '../inference-model';

interface PredictOptions {
  weights?: string;
  top: number;
  runtime: string;
  maxPixels?: number;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify images with an ImageNet model (torchvision preprocessing and class names)')
    .argument('<model>', 'model name, e.g. resnet50')
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
    .action(async (name: string, images: string[], opts: PredictOptions) => {
      // Weights, transforms and class names as `convkit explain` gets them (inference-model.ts).
      const { model, transforms: t, classNames } = await loadInferenceModel(name, opts.weights, images);
      if (opts.runtime !== 'convkit' && opts.runtime !== 'onnx')
        throw new OptionError('--runtime', `expected 'convkit' or 'onnx', got '${opts.runtime}'`);
      // onnxruntime runs the exported graph; the predictor takes the same NHWC tensor as the model.
      const onnx = opts.runtime === 'onnx' ? await toOnnxRuntime(model, { inputShape: [1, t.cropSize, t.cropSize, 3] }) : null;
      const preprocess = evalPreprocess(t);
      for (const file of images) {
        const input = readImageInput(file, preprocess, opts.maxPixels);
        const logits = onnx ? await onnx.predict(input) : model.predict(input);
        input.dispose();
        const [predictions] = decodePredictions(logits, { topK: Math.min(opts.top, classNames?.length ?? opts.top), classNames });
        logits.dispose();
        console.log(`\n${file}`);
        for (const p of predictions) console.log(`  ${(100 * p.probability).toFixed(2).padStart(6)}%  ${p.className} (${p.index})`);
      }
      await onnx?.dispose();
      model.dispose();
    });
}
