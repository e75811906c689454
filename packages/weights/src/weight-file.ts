import type { Layout } from '@convkit/core';
import type { SourceDType } from './dtypes';

export type WeightFormat = 'safetensors' | 'pth' | 'tfjs-manifest';

/** Which parameter layout a file's tensors are in: PyTorch's (OIHW, [out,in]) or convkit's tfjs one. */
export type { Layout } from '@convkit/core';

/** One tensor of a weights file, decoded lazily so inspecting a file never touches its data. */
export interface RawTensor {
  key: string;
  /** The element type in the file. */
  dtype: SourceDType;
  shape: number[];
  /** Size of the tensor's data as stored (after gathering a strided view). */
  byteLength: number;
  /** Values as float32 (floating types) or int32 (integer and bool types); may be a view over the file. */
  read(): Float32Array | Int32Array;
  /** Contiguous little-endian bytes in `dtype`; may be a view over the file. */
  bytes(): Uint8Array;
}

export interface WeightFile {
  format: WeightFormat;
  /** File name used in error messages. */
  name: string;
  tensors: RawTensor[];
  metadata: Record<string, string>;
  layout: Layout;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Converts a byte buffer in any of the forms callers hand us into a Uint8Array without copying. */
export function asBytes(input: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return new Uint8Array(input);
}
