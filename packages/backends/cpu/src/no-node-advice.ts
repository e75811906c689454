import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/**
 * tfjs-backend-cpu prints "install tfjs-node to speed things up" on the first write of every
 * backend instance it creates in Node — wrong advice next to convkit's kernels. `tf.ready()`
 * and `tf.setBackend()` create their own instance, so the flag is turned off for all of them:
 * the constructor's `this.firstUse = true` lands on this setter, and reads say false.
 */
export function silenceTfjsNodeAdvice(): void {
  Object.defineProperty(MathBackendCPU.prototype, 'firstUse', { configurable: true, get: () => false, set: () => {} });
}
