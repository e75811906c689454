import type { KernelOverride } from './kernel-override';
import { padV2 } from './pad-v2';

export type { KernelOverride } from './kernel-override';

/** convkit's WebGL kernels, registered on import over tfjs-backend-webgl's (one file per kernel). */
export const webglKernels: KernelOverride[] = [padV2];
