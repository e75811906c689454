import { parameterConversion, toPytorchShape } from '@convkit/core';
import { createModel } from '@convkit/models';
import { importOnnx } from '@convkit/onnx';
import type { Command } from 'commander';
import { count, positiveInt, table } from '../format';
import { userModelInfo } from '../model-name';
import { isOnnxPath, onnxInputShape, readOnnxFile } from '../onnx-model-input';
import { describeValue } from './inspect-onnx';

interface SummaryOptions {
  input?: number;
  numClasses: number;
  depth?: number;
}

/** `summary model.onnx`: the graph's opset and inputs/outputs, the imported model's table, and its parameters with PyTorch shapes. */
async function onnxSummary(path: string, opts: SummaryOptions): Promise<void> {
  const file = readOnnxFile(path);
  const { info } = file;
  const producer = [info.producer.name, info.producer.version].filter(Boolean).join(' ') || 'unknown';
  console.log(`${path}: ONNX opset ${info.opset} (IR ${info.irVersion}, producer ${producer})`);
  console.log(`  inputs: ${info.inputs.map(describeValue).join('; ')}\n  outputs: ${info.outputs.map(describeValue).join('; ')}\n`);
  const model = await importOnnx(file.bytes);
  try {
    console.log(model.summary(onnxInputShape(info, opts.input), { depth: opts.depth }).toString());
    const rows = model.namedParameters().map(([key, v]) => {
      const shape = toPytorchShape(v.shape, parameterConversion(v.shape));
      return [key, `[${shape.join(', ')}]`, count(v.size), model.originalName(key) === key ? '' : (model.originalName(key) ?? '')];
    });
    console.log(`\nparameters (PyTorch shapes):\n${table(['name', 'shape', 'values', 'in the file'], rows, [2])}`);
  } finally {
    model.dispose();
  }
}

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description("print a model's layers, output shapes and parameter counts")
    .argument('<model>', 'model name, e.g. resnet50 (see `convkit models`), or an .onnx file')
    .option('--input <size>', 'input height and width (default: the model’s eval size)', positiveInt('--input'))
    .option('--num-classes <n>', 'classifier size', positiveInt('--num-classes'), 1000)
    .option('--depth <n>', 'also list containers down to this depth', positiveInt('--depth'))
    .action(async (name: string, opts: SummaryOptions) => {
      if (isOnnxPath(name)) return onnxSummary(name, opts);
      const info = userModelInfo(name);
      const size = opts.input ?? info.inputSize;
      const model = createModel(name, { numClasses: opts.numClasses, seed: 0 });
      console.log(model.summary([1, size, size, 3], { depth: opts.depth }).toString());
      model.dispose();
    });
}
