// What "Download" hands out: the trained model as safetensors (PyTorch layout, the class names in
// its metadata) or ONNX, and the class names as JSON.
import type { ImageClassifier } from '@convkit/core';
import { exportOnnx } from '@convkit/onnx';
import { saveWeights } from '@convkit/weights';
import { download } from '../download';
import type { TrainedModel } from './store';

export type ExportKind = 'safetensors' | 'onnx' | 'classes';

/** Downloads one file; returns its name and size for the status line. */
export async function exportModel(kind: ExportKind, model: ImageClassifier, trained: TrainedModel): Promise<string> {
  const { backbone, classNames, inputSize } = trained;
  const base = `${backbone}-your-images`;
  const [bytes, name] =
    kind === 'safetensors'
      ? [
          saveWeights(model, { metadata: { classes: JSON.stringify(classNames), backbone, input_size: String(inputSize) } }),
          `${base}.safetensors`,
        ]
      : kind === 'onnx'
        ? // NCHW input at the training size, ImageNet-standardized: what the page feeds the model.
          [await exportOnnx(model, { inputShape: [1, 3, inputSize, inputSize] }), `${base}.onnx`]
        : [new TextEncoder().encode(`${JSON.stringify(classNames, null, 2)}\n`), `${base}.classes.json`];
  download(bytes, name);
  return `${name} (${(bytes.length / 1e6).toFixed(2)} MB)`;
}
