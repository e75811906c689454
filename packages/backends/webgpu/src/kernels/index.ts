import type { KernelOverride } from './kernel-override';
import { padV2 } from './pad-v2';

export type { KernelOverride } from './kernel-override';

/** convkit's WebGPU kernels, registered on import over tfjs-backend-webgpu's (one file per kernel). */
export const webgpuKernels: KernelOverride[] = [padV2];
