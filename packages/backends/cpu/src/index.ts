// Importing this package registers the tfjs CPU backend ('cpu') and replaces its convolution
// and matmul kernels with convkit's WebAssembly SIMD kernels (multithreaded in Node). Select
// it with `selectBackend(['cpu'])` from @convkit/core; `disableFastKernels()` restores the
// tfjs kernels.
import '@tensorflow/tfjs-backend-cpu';
import { registerBackendDetails } from '@convkit/core';
import { enableFastKernels, fastKernelsInfo } from './fast-kernels';
import { backendName } from './registry';
import { silenceTfjsNodeAdvice } from './no-node-advice';

export { disableFastKernels, enableFastKernels, type FastKernelsInfo, fastKernelsInfo } from './fast-kernels';
export type { EngineOptions as FastKernelsOptions } from './wasm/engine';

export { backendName } from './registry';

silenceTfjsNodeAdvice();
enableFastKernels();

registerBackendDetails(backendName, () => {
  const info = fastKernelsInfo();
  return {
    precision: 'float32',
    threads: info.threads,
    simd: info.simd,
    relaxedSimd: info.relaxedSimd,
    // Kernels convkit serves itself (the rest are tfjs-backend-cpu's), as the other backends report them.
    customKernels: info.kernels,
    kernels: info.kernels,
    ...(info.reason ? { fastKernelsOff: info.reason } : {}),
  };
});
