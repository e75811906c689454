import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageClassifier } from '@convkit/core';
import { exportOnnx, UnsupportedModuleError } from '@convkit/onnx';
import { saveWeights } from '@convkit/weights';
import { writeUserFile } from '../files';
import { bytes } from '../format';
import { type FinetunedMeta, META_FILE, WEIGHTS_FILE } from '../finetuned-folder';
import { UsageError } from '../model-name';

/** Writes `model.safetensors` (PyTorch layout), `convkit.json` and, when asked, `model.onnx`. */
export async function writeOutputs(out: string, model: ImageClassifier, meta: FinetunedMeta, onnx: boolean): Promise<void> {
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create ${out}: ${(e as Error).message}`);
  }
  const weights = saveWeights(model);
  writeUserFile(join(out, WEIGHTS_FILE), weights);
  writeUserFile(join(out, META_FILE), new TextEncoder().encode(`${JSON.stringify(meta, null, 2)}\n`));
  console.log(`\nwrote ${join(out, WEIGHTS_FILE)} (${bytes(weights.byteLength)}, PyTorch layout) and ${join(out, META_FILE)}`);
  if (onnx) {
    const size = meta.transforms.cropSize;
    const graph = await exportOnnx(model, { inputShape: [1, 3, size, size], inputLayout: 'nchw' }).catch((e) => {
      // A model fine-tuned from an ONNX file needs @convkit/onnx to write imported graphs back.
      if (e instanceof UnsupportedModuleError)
        throw new UsageError(`--onnx: cannot export this model to ONNX (${e.message}); ${WEIGHTS_FILE} and ${META_FILE} are written`);
      throw e;
    });
    writeUserFile(join(out, 'model.onnx'), graph);
    console.log(`wrote ${join(out, 'model.onnx')} (${bytes(graph.byteLength)}, NCHW input [batch,3,${size},${size}])`);
  }
}
