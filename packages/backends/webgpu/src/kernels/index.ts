import type { KernelOverride } from '@convkit/core';
import { padV2 } from './pad-v2';

/** convkit's WebGPU kernels, registered on import over tfjs-backend-webgpu's (one file per kernel). */
export const webgpuKernels: KernelOverride[] = [padV2];
