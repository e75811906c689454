import * as tf from '@tensorflow/tfjs-core';

/**
 * A convkit kernel: `make` receives the kernel tfjs registered under the same name (if any), so
 * the convkit kernel can handle the cases tfjs gets wrong and hand the rest back to it.
 */
export interface KernelOverride {
  kernelName: string;
  make(tfjsKernel: tf.KernelFunc | undefined): tf.KernelFunc;
}

/**
 * Registers each kernel on `backendName` in place of tfjs's kernel of that name (keeping its
 * setup and dispose functions). A backend package calls this from its entry module, the one file
 * its `sideEffects` names; this module itself does nothing on import.
 */
export function overrideKernels(backendName: string, kernels: readonly KernelOverride[]): void {
  for (const { kernelName, make } of kernels) {
    const tfjs = tf.getKernel(kernelName, backendName);
    if (tfjs) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: make(tfjs?.kernelFunc),
      setupFunc: tfjs?.setupFunc,
      disposeFunc: tfjs?.disposeFunc,
    });
  }
}
