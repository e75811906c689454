// PyTorch references for the architecture specs: generated in Node by the global setup (with
// scripts/fixtures/architectures.py, cached in .cache/torch-fixtures like the Node suite), read
// from disk in Node and fetched from the Vite server in the browser.
import * as tf from '@tensorflow/tfjs-core';
import { inBrowser, type ReferenceFiles } from './context';

export interface ArchitectureReferenceCase {
  model: string;
  size: number;
}

/** One member of every architecture family, at a small input (SwiftShader compiles every shader). */
export const architectureCases: ArchitectureReferenceCase[] = [
  { model: 'resnet18', size: 64 },
  { model: 'vgg11_bn', size: 32 },
  { model: 'googlenet', size: 64 },
  { model: 'efficientnet_b0', size: 64 },
  { model: 'efficientnet_v2_s', size: 64 },
  { model: 'mobilenet_v3_large', size: 64 },
  { model: 'mnasnet1_0', size: 48 },
  { model: 'shufflenet_v2_x1_0', size: 64 },
  { model: 'squeezenet1_1', size: 56 },
];

export const referenceKey = ({ model, size }: ArchitectureReferenceCase): string => `${model}-${size}`;

export interface ArchitectureReference {
  state: Record<string, tf.Tensor>;
  input: tf.Tensor;
  logits: tf.Tensor;
}

/**
 * ONNX exports for importOnnx: the default export (BatchNorm folded into the convs) and one with
 * BatchNorm kept. Both run on cpu; each runs on one GPU backend, since SwiftShader's shader
 * compilation makes a second pass cost half a minute more.
 */
export interface OnnxImportCase {
  model: string;
  preserve: boolean;
  gpu: 'webgl' | 'webgpu';
}

export const onnxImportCases: OnnxImportCase[] = [
  { model: 'resnet18', preserve: false, gpu: 'webgl' },
  { model: 'mobilenet_v2', preserve: true, gpu: 'webgpu' },
];

export const onnxCaseKey = ({ model, preserve }: OnnxImportCase): string => `${model}${preserve ? '-preserve' : ''}`;

export async function readBytes(path: string): Promise<ArrayBuffer> {
  if (inBrowser) {
    const response = await fetch(`/@fs${path}`);
    if (!response.ok) throw new Error(`GET /@fs${path}: ${response.status}`);
    return response.arrayBuffer();
  }
  const { readFile } = await import('node:fs/promises');
  const bytes = await readFile(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export async function loadReference(files: ReferenceFiles): Promise<ArchitectureReference> {
  const header = JSON.parse(new TextDecoder().decode(await readBytes(files.json))) as {
    tensors: Record<string, { shape: number[]; offset: number }>;
  };
  const bytes = await readBytes(files.bin);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, { shape, offset }] of Object.entries(header.tensors)) {
    const size = shape.reduce((a, b) => a * b, 1);
    tensors[name] = tf.tensor(new Float32Array(bytes, offset, size), shape, 'float32');
  }
  const state = Object.fromEntries(
    Object.entries(tensors)
      .filter(([k]) => k.startsWith('state.'))
      .map(([k, v]) => [k.slice(6), v]),
  );
  return { state, input: tensors.input, logits: tensors.logits };
}
