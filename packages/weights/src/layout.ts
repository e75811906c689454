import * as tf from '@tensorflow/tfjs-core';
import type { Layout } from './weight-file';

/**
 * A Linear module whose input is an NHWC feature map flattened H,W,C (VGG's classifier.0)
 * carries this; PyTorch flattened the same map C,H,W, so the weight's columns are reordered.
 */
export interface FlattenedInput {
  height: number;
  width: number;
  channels: number;
}

/** How one source tensor becomes the tfjs-layout tensor a module stores. */
export type Conversion =
  | { kind: 'as-is' }
  | { kind: 'conv' } // OIHW → [kh,kw,in/groups,out] (grouped and depthwise convs too)
  | { kind: 'linear' } // [out,in] → [in,out]
  | { kind: 'linear-chw'; flattened: FlattenedInput }; // [out,C·H·W] → [H·W·C,out]

export function convertedShape(shape: readonly number[], c: Conversion): number[] {
  if (c.kind === 'conv') return [shape[2], shape[3], shape[1], shape[0]];
  if (c.kind === 'linear' || c.kind === 'linear-chw') return [shape[1], shape[0]];
  return [...shape];
}

/**
 * Picks the conversion for a tensor given the file's layout and the target's shape. PyTorch-layout
 * rank-4/rank-2 tensors are converted; if only the unconverted shape fits, the tensor is taken as
 * is (it was already in tfjs layout). The file's layout breaks ties for square shapes.
 */
export function chooseConversion(
  shape: readonly number[], target: readonly number[], layout: Layout, flattened?: FlattenedInput,
): Conversion {
  if (layout === 'tfjs') return { kind: 'as-is' };
  let c: Conversion = { kind: 'as-is' };
  if (shape.length === 4) c = { kind: 'conv' };
  if (shape.length === 2) {
    const f = flattened;
    c = f && f.height * f.width * f.channels === shape[1] && (f.height > 1 || f.width > 1) ? { kind: 'linear-chw', flattened: f } : { kind: 'linear' };
  }
  if (c.kind !== 'as-is' && !sameShape(convertedShape(shape, c), target) && sameShape(shape, target)) return { kind: 'as-is' };
  return c;
}

export function applyConversion(t: tf.Tensor, c: Conversion): tf.Tensor {
  switch (c.kind) {
    case 'as-is': return t;
    case 'conv': return tf.transpose(t, [2, 3, 1, 0]);
    case 'linear': return tf.transpose(t, [1, 0]);
    case 'linear-chw': {
      const { height, width, channels } = c.flattened;
      return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(t, [t.shape[0], channels, height, width]), [2, 3, 1, 0]), [height * width * channels, t.shape[0]]));
    }
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
