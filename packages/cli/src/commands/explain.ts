import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { decodePredictions, IMAGENET_CLASSES } from '@convkit/data';
import { type CamMethod, defaultCamLayer, gradCam, overlayHeatmap } from '@convkit/explain';
import type { Command } from 'commander';
import { PNG } from 'pngjs';
import { writeUserFile } from '../files';
import { positiveInt, positiveNumber } from '../format';
import { evalPreprocess, loadInferenceModel, readImageInput } from '../inference-model';

interface ExplainOptions {
  weights?: string;
  out: string;
  layer?: string;
  class?: number;
  method: string;
  top: number;
  alpha: number;
  maxPixels?: number;
}

const methods: readonly CamMethod[] = ['gradcam', 'gradcam++'];

function classIndex(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--class must be a class index (an integer from 0), got '${value}'`);
  return n;
}

function alphaValue(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new Error(`--alpha must be a number in [0, 1], got '${value}'`);
  return n;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('where the model looks: a Grad-CAM heatmap over the cropped input, written as a PNG')
    .argument('<model>', 'model name, e.g. resnet50')
    .argument('<image>', 'a PNG or JPEG file')
    .requiredOption('--out <file>', 'the PNG to write: the eval crop with the heatmap blended over it')
    .option('--weights <source>', "as for predict: a .pth/.safetensors file, a timm or `convkit finetune` folder, a URL, or 'default'")
    .option('--layer <path>', "the module whose output is explained (default: the family's last convolutional stage, e.g. layer4)")
    .option('--class <index>', 'the class to explain (default: the top class)', classIndex)
    .option('--method <name>', "'gradcam' or 'gradcam++'", 'gradcam')
    .option('--top <k>', 'how many classes to show', positiveInt('--top'), 5)
    .option('--alpha <a>', 'weight of the heatmap in the blend, 0–1', alphaValue, 0.5)
    .option('--max-pixels <n>', 'refuse an image whose header declares more pixels, before decoding it', positiveNumber('--max-pixels'))
    .action(async (name: string, image: string, opts: ExplainOptions) => {
      // Options first: a typo should not cost a weights download.
      if (!methods.includes(opts.method as CamMethod))
        throw new OptionError('--method', `expected ${methods.map((m) => `'${m}'`).join(' or ')}, got '${opts.method}'`);
      if (!opts.out.toLowerCase().endsWith('.png'))
        throw new OptionError('--out', `writes a PNG: expected a .png file name, got '${opts.out}'`);
      const { model, transforms, classNames = IMAGENET_CLASSES } = await loadInferenceModel(name, opts.weights, [image]);
      try {
        if (opts.class !== undefined && opts.class >= model.numClasses)
          throw new OptionError('--class', `${name} has ${model.numClasses} classes (0–${model.numClasses - 1}), got ${opts.class}`);
        const layer = opts.layer ?? defaultCamLayer(model);
        const input = readImageInput(image, evalPreprocess(transforms), opts.maxPixels);
        const crop = readImageInput(image, evalPreprocess(transforms, { normalized: false }), opts.maxPixels);
        try {
          const cam = gradCam(model, input, { layer, classIndex: opts.class, method: opts.method as CamMethod });
          const [predictions] = decodePredictions(cam.logits, { topK: Math.min(opts.top, classNames.length), classNames });
          const [height, width] = [crop.shape[1], crop.shape[2]];
          const pixels = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(crop, 0, 1), 255)), 'int32').dataSync());
          const heatmap = cam.heatmap.dataSync() as Float32Array;
          tf.dispose([cam.heatmap, cam.logits]);
          const overlay = overlayHeatmap({ data: Uint8Array.from(pixels), width, height, channels: 3 }, heatmap, { alpha: opts.alpha });
          const png = new PNG({ width, height });
          png.data = Buffer.from(overlay.data.buffer, overlay.data.byteOffset, overlay.data.byteLength);
          writeUserFile(opts.out, PNG.sync.write(png));
          console.log(`\n${image}`);
          for (const p of predictions) console.log(`  ${(100 * p.probability).toFixed(2).padStart(6)}%  ${p.className} (${p.index})`);
          const c = cam.classIndex[0];
          console.log(
            `${opts.method === 'gradcam' ? 'Grad-CAM' : 'Grad-CAM++'} of ${classNames[c]} (${c}) at layer ${layer} → ${opts.out} (${width}×${height})`,
          );
        } finally {
          tf.dispose([input, crop]);
        }
      } finally {
        model.dispose();
      }
    });
}
