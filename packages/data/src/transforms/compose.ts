import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from './transform';

/** torchvision's `Compose`: applies the transforms in order, disposing the intermediate batches. */
export function compose(transforms: readonly Transform[]): Transform {
  const list = [...transforms];
  return (x) =>
    tf.tidy(() => {
      const y = list.reduce((acc, t) => t(acc), x);
      // An empty list (or a transform that hands back its input) must not alias the caller's tensor.
      return y === x ? tf.clone(x) : y;
    });
}
