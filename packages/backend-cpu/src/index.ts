// Importing this package registers the tfjs CPU backend ('cpu'); select it with
// `selectBackend(['cpu'])` from @convkit/core, which verifies that it really is active.
import '@tensorflow/tfjs-backend-cpu';
import { registerBackendDetails } from '@convkit/core';

export const backendName = 'cpu';

registerBackendDetails(backendName, () => ({ precision: 'float32', threads: 1, kernels: 'tfjs-backend-cpu' }));
