import type { KernelFunc } from '@tensorflow/tfjs-core';

/**
 * A convkit kernel: `make` receives the kernel tfjs registered under the same name (if any), so
 * the convkit kernel can handle the cases tfjs gets wrong and hand the rest back to it.
 */
export interface KernelOverride {
  kernelName: string;
  make(tfjsKernel: KernelFunc | undefined): KernelFunc;
}
