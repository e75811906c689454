// Importing this package registers the tfjs WebGL backend ('webgl') and convkit's WebGL kernels;
// select it with `selectBackend(['webgl', 'cpu'])` from @convkit/core, which verifies that it
// really is active (tfjs silently keeps the previous backend when WebGL fails to start).
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import { overrideKernels, registerBackendDetails } from '@convkit/core';
import { webglKernels } from './kernels';

export const backendName = 'webgl';

overrideKernels(backendName, webglKernels);

/** The names of the tfjs kernels convkit replaces or adds on WebGL. */
export const customKernels: readonly string[] = webglKernels.map((k) => k.kernelName);

export interface WebglDetails extends Record<string, unknown> {
  /** Why tfjs did not register 'webgl' here (read by `selectBackend`); absent where it did. */
  unavailable?: string;
  /** What the backend computes in: 'float16' where the device cannot render to float32 textures. */
  precision: 'float16' | 'float32';
  webglVersion: number;
  maxTextureSize: number;
  kernels: string;
  customKernels: readonly string[];
}

/** What WebGL really offers on this device (asked of tfjs's feature detection, not assumed). */
export function webglDetails(): WebglDetails {
  const env = tf.env();
  if (!tf.findBackendFactory(backendName)) {
    // tfjs-backend-webgl registers itself only in a browser (a page or a worker).
    return {
      unavailable: 'not a browser: WebGL needs a page or a web worker',
      precision: 'float32',
      webglVersion: 0,
      maxTextureSize: 0,
      kernels: 'none',
      customKernels,
    };
  }
  // f16-only devices (many phones) cannot render float32 textures; tfjs then stores float16.
  const float32 =
    env.getBool('WEBGL_RENDER_FLOAT32_CAPABLE') && env.getBool('WEBGL_RENDER_FLOAT32_ENABLED') && !env.getBool('WEBGL_FORCE_F16_TEXTURES');
  return {
    precision: float32 ? 'float32' : 'float16',
    webglVersion: env.getNumber('WEBGL_VERSION'),
    maxTextureSize: env.getNumber('WEBGL_MAX_TEXTURE_SIZE'),
    kernels: 'tfjs-backend-webgl + convkit',
    customKernels,
  };
}

registerBackendDetails(backendName, webglDetails);
