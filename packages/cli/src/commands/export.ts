import { DEFAULT_OPSET, exportOnnx } from '@convkit/onnx';
import { createModel } from '@convkit/models';
import { userModelInfo } from '../model-name';
import { loadWeights } from '@convkit/weights';
import type { Command } from 'commander';
import { checkReadableFile, isLocalPath, writeUserFile } from '../files';
import { bytes, positiveInt } from '../format';
import { withFitHint } from '../weights-fit';

interface ExportOptions {
  weights?: string;
  out: string;
  input?: number;
  opset?: number;
  nhwc?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export a model with its weights to ONNX (NCHW input, dynamic batch, torchvision initializer names)')
    .argument('<model>', 'model name, e.g. resnet50')
    .option('--weights <source>', "a .pth/.safetensors file, a URL, or 'default' for torchvision's default weights")
    .requiredOption('--out <file>', '.onnx file to write')
    .option('--input <size>', "input height and width (default: the weights' crop size)", positiveInt('--input'))
    .option('--opset <n>', 'ONNX opset, 13 to 17 (default 17)', positiveInt('--opset'))
    .option('--nhwc', 'take NHWC input (a Transpose at the input) instead of NCHW')
    .action(async (name: string, opts: ExportOptions) => {
      const info = userModelInfo(name);
      if (opts.weights && isLocalPath(opts.weights)) checkReadableFile(opts.weights);
      const entry = info.weights[0];
      const model = createModel(name, { ...(entry?.modelOptions ?? {}) });
      if (!opts.weights) console.warn(`no --weights given: ${name} is exported with random weights`);
      else await withFitHint(name, () => loadWeights(model, opts.weights === 'default' ? entry : opts.weights!));
      const size = opts.input ?? info.inputSize;
      process.stderr.write(`exporting ${name} at ${size}x${size}…\n`);
      const inputShape = opts.nhwc ? [1, size, size, 3] : [1, 3, size, size];
      const onnx = await exportOnnx(model, { inputShape, opset: opts.opset, inputLayout: opts.nhwc ? 'nhwc' : 'nchw' });
      model.dispose();
      writeUserFile(opts.out, onnx);
      console.log(
        `wrote ${opts.out} (${bytes(onnx.byteLength)}, opset ${opts.opset ?? DEFAULT_OPSET}, input ${JSON.stringify(inputShape).replace('1,', 'batch,')})`,
      );
    });
}
