import { basename } from 'node:path';
import { looksLikeOnnx } from '@convkit/onnx';
import { convertPthToSafetensors, inspectWeights } from '@convkit/weights';
import type { Command } from 'commander';
import { readUserFile, writeUserFile } from '../files';
import { bytes, count, positiveInt, table } from '../format';
import { printOnnxInspection } from './inspect-onnx';

export function registerWeights(program: Command): void {
  program
    .command('inspect')
    .description('show the format, tensors, dtypes and size of a weights file (.pth, .safetensors, model.json) or an ONNX model')
    .argument('<file>', 'weights file or .onnx model')
    .option('--keys <n>', 'how many keys (op types for ONNX) to list', positiveInt('--keys'), 20)
    .action((file: string, opts: { keys: number }) => {
      const data = readUserFile(file);
      if (file.toLowerCase().endsWith('.onnx') || looksLikeOnnx(data)) return printOnnxInspection(file, basename(file), data, opts);
      const info = inspectWeights(data, { name: basename(file) });
      const dtypes = new Map<string, number>();
      let values = 0;
      for (const t of info.tensors) {
        dtypes.set(t.dtype, (dtypes.get(t.dtype) ?? 0) + 1);
        values += t.shape.reduce((a, b) => a * b, 1);
      }
      console.log(`${file}\n  format: ${info.format}\n  tensors: ${count(info.tensors.length)} (${count(values)} values)`);
      console.log(`  dtypes: ${[...dtypes].map(([d, n]) => `${d} ×${n}`).join(', ')}\n  size: ${bytes(info.totalBytes)}`);
      if (info.metadata && Object.keys(info.metadata).length) console.log(`  metadata: ${JSON.stringify(info.metadata)}`);
      const rows = info.tensors.slice(0, opts.keys).map((t) => [t.key, t.dtype, `[${t.shape.join(', ')}]`]);
      console.log(`\n${table(['key', 'dtype', 'shape'], rows)}`);
      if (info.tensors.length > opts.keys) console.log(`… and ${info.tensors.length - opts.keys} more (--keys N)`);
    });

  program
    .command('convert')
    .description('convert a PyTorch checkpoint (.pth) to safetensors (PyTorch layout, readable by Python)')
    .argument('<input>', '.pth file written by torch.save')
    .argument('<output>', '.safetensors file to write')
    .action((input: string, output: string) => {
      const out = convertPthToSafetensors(readUserFile(input), { name: basename(input) });
      writeUserFile(output, out);
      console.log(`wrote ${output} (${bytes(out.byteLength)})`);
    });
}
