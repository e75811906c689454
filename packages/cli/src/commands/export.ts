import type { Module } from '@convkit/core';
import { OptionError } from '@convkit/core';
import { DEFAULT_OPSET, exportOnnx, importOnnx, UnsupportedModuleError } from '@convkit/onnx';
import { createModel } from '@convkit/models';
import { userModelInfo } from '../model-name';
import { loadWeights, saveWeights } from '@convkit/weights';
import type { Command } from 'commander';
import { checkReadableFile, isLocalPath, writeUserFile } from '../files';
import { bytes, count, positiveInt } from '../format';
import { isOnnxPath, onnxImageInput, readOnnxFile } from '../onnx-model-input';
import { withFitHint } from '../weights-fit';

interface ExportOptions {
  weights?: string;
  out: string;
  format?: string;
  input?: number;
  opset?: number;
  nhwc?: boolean;
}

/** The model with its weights, and the input size to export at (`--input`, else the eval size or the graph's fixed one). */
async function modelToExport(name: string, opts: ExportOptions): Promise<{ model: Module; size: number; opset: number }> {
  if (opts.weights && isLocalPath(opts.weights)) checkReadableFile(opts.weights);
  if (isOnnxPath(name)) {
    const file = readOnnxFile(name);
    const model = await importOnnx(file.bytes);
    try {
      if (opts.weights) await loadWeights(model, opts.weights);
    } catch (e) {
      model.dispose();
      throw e;
    }
    // An imported graph is written at its own opset unless a later one is asked for.
    return { model, size: opts.input ?? onnxImageInput(file.info)[1] ?? 224, opset: opts.opset ?? file.info.opset };
  }
  const info = userModelInfo(name);
  const entry = info.weights[0];
  const model = createModel(name, { ...(entry?.modelOptions ?? {}) });
  if (!opts.weights) console.warn(`no --weights given: ${name} is exported with random weights`);
  else await withFitHint(name, () => loadWeights(model, opts.weights === 'default' ? entry : opts.weights!));
  return { model, size: opts.input ?? info.inputSize, opset: opts.opset ?? DEFAULT_OPSET };
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'export a model with its weights to ONNX (NCHW input, dynamic batch, torchvision initializer names) or its state dict to safetensors',
    )
    .argument('<model>', 'model name, e.g. resnet50, or an .onnx file (imported)')
    .option('--weights <source>', "a .pth/.safetensors file, a URL, or 'default' for torchvision's default weights")
    .requiredOption('--out <file>', '.onnx or .safetensors file to write')
    .option('--format <format>', "'onnx' or 'safetensors' (the state dict in PyTorch layout); default: by --out's extension")
    .option('--input <size>', "input height and width (default: the weights' crop size)", positiveInt('--input'))
    .option('--opset <n>', 'ONNX opset, 13 to 17 (default 17)', positiveInt('--opset'))
    .option('--nhwc', 'take NHWC input (a Transpose at the input) instead of NCHW')
    .action(async (name: string, opts: ExportOptions) => {
      const format = opts.format ?? (opts.out.toLowerCase().endsWith('.safetensors') ? 'safetensors' : 'onnx');
      if (format !== 'onnx' && format !== 'safetensors')
        throw new OptionError('--format', `expected 'onnx' or 'safetensors', got '${format}'`);
      const { model, size, opset } = await modelToExport(name, opts);
      try {
        if (format === 'safetensors') {
          const weights = saveWeights(model);
          writeUserFile(opts.out, weights);
          console.log(`wrote ${opts.out} (${bytes(weights.byteLength)}, ${count(model.numParameters())} parameters, PyTorch layout)`);
          return;
        }
        process.stderr.write(`exporting ${name} at ${size}x${size}…\n`);
        const inputShape = opts.nhwc ? [1, size, size, 3] : [1, 3, size, size];
        const onnx = await exportOnnx(model, { inputShape, opset: opts.opset, inputLayout: opts.nhwc ? 'nhwc' : 'nchw' }).catch((e) => {
          if (isOnnxPath(name) && e instanceof UnsupportedModuleError)
            throw new OptionError('--format onnx', `@convkit/onnx cannot export an imported ONNX model yet (${e.message})`);
          throw e;
        });
        writeUserFile(opts.out, onnx);
        console.log(
          `wrote ${opts.out} (${bytes(onnx.byteLength)}, opset ${opset}, input ${JSON.stringify(inputShape).replace('1,', 'batch,')})`,
        );
      } finally {
        model.dispose();
      }
    });
}
