import { IMAGENET_CLASSES } from '@convkit/data';
import { importOnnx, inspectOnnx, looksLikeOnnx, type OnnxModel } from '@convkit/onnx';

/** A dropped `.onnx` model, imported as a convkit module that runs on the current backend. */
export interface ImportedOnnx {
  model: OnnxModel;
  /** The file's name. */
  name: string;
  parameters: number;
  /** Height and width of the graph's image input (224 when the export left them dynamic). */
  inputSize: number;
  /** Class names for the output: ImageNet's for 1000 classes, the indices otherwise. */
  classNames: string[];
}

/** Whether a dropped weights file is an ONNX model: by extension, or by its first bytes. */
export async function isOnnxFile(file: File): Promise<boolean> {
  if (file.name.toLowerCase().endsWith('.onnx')) return true;
  return looksLikeOnnx(new Uint8Array(await file.slice(0, 8).arrayBuffer()));
}

/**
 * Reads an image classifier exported to ONNX (`torch.onnx.export`, tf2onnx…): one input
 * [N, 3, H, W] and one output [N, classes]. Corrupt or unsupported files throw the importer's
 * typed errors (OnnxFormatError, UnsupportedOnnxError), which name what is wrong.
 */
export async function importOnnxFile(file: File): Promise<ImportedOnnx> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const info = inspectOnnx(bytes, { name: file.name });
  const [input] = info.inputs;
  const shape = input?.shape ?? [];
  if (info.inputs.length !== 1 || shape.length !== 4 || (typeof shape[1] === 'number' && shape[1] !== 3))
    throw new Error(
      `${file.name} is not an image classifier: expected one input [N, 3, H, W], got ${info.inputs.map((i) => `${i.name} [${i.shape ?? '?'}]`).join(', ')}`,
    );
  const height = shape[2];
  const model = await importOnnx(bytes);
  model.eval();
  const classes = info.outputs[0]?.shape?.at(-1);
  return {
    model,
    name: file.name,
    parameters: model.numParameters(),
    inputSize: typeof height === 'number' ? height : 224,
    classNames: typeof classes === 'number' ? classNamesFor(classes) : [],
  };
}

/** ImageNet's names for a 1000-class output, `class i` for any other size. */
export function classNamesFor(classes: number): string[] {
  return classes === IMAGENET_CLASSES.length ? [...IMAGENET_CLASSES] : Array.from({ length: classes }, (_, i) => `class ${i}`);
}

/** The banner line for an imported model. */
export function describeOnnx({ name, parameters, inputSize, classNames }: ImportedOnnx): string {
  const n = classNames.length;
  const labels = n === 1000 ? "1000 classes, ImageNet's labels" : `${n || 'unknown'} classes, shown by index`;
  return `ONNX model ${name}: ${parameters.toLocaleString('en-US')} parameters, input 3×${inputSize}×${inputSize}, ${labels}. Grad-CAM and feature maps are not available for imported ONNX models.`;
}
