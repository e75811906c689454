// Importing this package registers the tfjs WebGPU backend ('webgpu') and convkit's WebGPU
// kernels; select it with `selectBackend(['webgpu', 'webgl', 'cpu'])` from @convkit/core, which
// verifies that it really is active. tfjs registers 'webgpu' only where `navigator.gpu` exists
// when this module is first evaluated (a browser, or Node after installing a binding).
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { overrideKernels, registerBackendDetails } from '@convkit/core';
import { webgpuKernels } from './kernels';

export const backendName = 'webgpu';

overrideKernels(backendName, webgpuKernels);

/** The names of the tfjs kernels convkit replaces or adds on WebGPU. */
export const customKernels: readonly string[] = webgpuKernels.map((k) => k.kernelName);

export interface WebgpuDetails extends Record<string, unknown> {
  precision: 'float32';
  /** Why tfjs did not register 'webgpu' here (read by `selectBackend`); absent where it did. */
  unavailable?: string;
  adapter?: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean };
  kernels: string;
  customKernels: readonly string[];
}

interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
}

/** What the active WebGPU device is (a software adapter such as SwiftShader says so here). */
export function webgpuDetails(): WebgpuDetails {
  const backend = tf.findBackend(backendName) as unknown as {
    adapterInfo?: { vendor?: string; architecture?: string; description?: string };
    device?: unknown;
  } | null;
  const info = backend?.adapterInfo;
  const unavailable = tf.findBackendFactory(backendName)
    ? undefined
    : 'navigator.gpu is undefined (a browser without WebGPU; Chromium on Linux needs --enable-unsafe-webgpu; in Node, put a binding such as the webgpu package on globalThis.navigator.gpu before importing @convkit/backend-webgpu)';
  return {
    ...(unavailable ? { unavailable } : {}),
    // WGSL storage buffers are float32 (tfjs-backend-webgpu has no f16 path).
    precision: 'float32',
    adapter: info
      ? {
          vendor: info.vendor ?? '',
          architecture: info.architecture ?? '',
          description: info.description ?? '',
          isFallbackAdapter: fallback(info as AdapterLike['info']),
        }
      : undefined,
    kernels: 'tfjs-backend-webgpu + convkit',
    customKernels,
  };
}

function fallback(info: AdapterLike['info']): boolean {
  return info?.isFallbackAdapter === true || /swiftshader/i.test(`${info?.vendor} ${info?.architecture} ${info?.description}`);
}

registerBackendDetails(backendName, webgpuDetails);
