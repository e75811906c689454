import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { EvalTransforms } from '@convkit/core';
import { decodeOnnxModel, type OnnxModelInfo } from '@convkit/onnx';
import { readUserFile } from './files';
import { UsageError } from './model-name';
import { DEFAULT_TRANSFORMS } from './pretrained';

/** A model argument naming an ONNX file rather than a `createModel` name. */
export const isOnnxPath = (model: string): boolean => model.toLowerCase().endsWith('.onnx');

/** An ONNX file the user named: its bytes, its checked description and its SHA-256. */
export interface OnnxFile {
  path: string;
  bytes: Uint8Array;
  info: OnnxModelInfo;
  sha256: string;
}

/** Reads and decodes `path` (a corrupt file fails here with OnnxFormatError naming it and the place). */
export function readOnnxFile(path: string): OnnxFile {
  const bytes = new Uint8Array(readUserFile(path));
  const info = decodeOnnxModel(bytes, { name: basename(path) });
  return { path, bytes, info, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The fixed `[C, H, W]` of a single-input image graph, with null where a dimension is symbolic. */
export function onnxImageInput(info: OnnxModelInfo): (number | null)[] {
  if (info.inputs.length !== 1)
    throw new UsageError(`${info.graphName || 'the graph'} has ${info.inputs.length} inputs; an image model has one`);
  const shape = info.inputs[0].shape;
  if (!shape || shape.length !== 4)
    throw new UsageError(`input '${info.inputs[0].name}' is not an image batch [N, C, H, W] (shape ${JSON.stringify(shape)})`);
  return shape.slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : null));
}

/**
 * The eval transforms for an ONNX file, which has no catalog entry: torchvision's ImageNet
 * defaults (resize 256, crop 224, bilinear, ImageNet mean/std), or, when the graph's input has a
 * fixed H×W, a crop of that size after a resize to round(crop / 0.875) — the same 224/256 ratio.
 */
export function onnxTransforms(info: OnnxModelInfo): EvalTransforms {
  const [, h, w] = onnxImageInput(info);
  if (h === null || w === null) return DEFAULT_TRANSFORMS;
  if (h !== w) throw new UsageError(`input '${info.inputs[0].name}' is ${h}×${w}: only square inputs are supported`);
  return { ...DEFAULT_TRANSFORMS, cropSize: h, resizeSize: Math.round(h / 0.875) };
}

/** The NHWC shape `summary` traces: the graph's fixed size, else `size` (the eval crop). */
export function onnxInputShape(info: OnnxModelInfo, size: number | undefined): number[] {
  const [c, h, w] = onnxImageInput(info);
  return [1, size ?? h ?? DEFAULT_TRANSFORMS.cropSize, size ?? w ?? DEFAULT_TRANSFORMS.cropSize, c ?? 3];
}
