import type { KernelOverride } from '@convkit/core';
import { padV2 } from './pad-v2';

/** convkit's WebGL kernels, registered on import over tfjs-backend-webgl's (one file per kernel). */
export const webglKernels: KernelOverride[] = [padV2];
