import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { getKernel, Reshape, type TensorInfo } from '@tensorflow/tfjs-core';

/** tfjs-webgl's own Reshape (a packed texture needs a real relayout, not just a new shape). */
export function reshape(backend: MathBackendWebGL, x: TensorInfo, shape: number[]): TensorInfo {
  const kernel = getKernel(Reshape, 'webgl');
  if (!kernel) throw new Error('tfjs-backend-webgl has no Reshape kernel registered');
  return kernel.kernelFunc({ inputs: { x }, backend, attrs: { shape } }) as TensorInfo;
}
