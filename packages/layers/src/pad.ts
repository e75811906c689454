import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError } from '@convkit/core';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

function edges(x: tf.Tensor4D, axis: 1 | 2, before: number, after: number, mode: PaddingMode): tf.Tensor4D {
  if (before === 0 && after === 0) return x;
  const n = x.shape[axis];
  const take = (start: number, size: number) =>
    tf.slice(x, axis === 1 ? [0, start, 0, 0] : [0, 0, start, 0], axis === 1 ? [-1, size, -1, -1] : [-1, -1, size, -1]);
  let head: tf.Tensor4D;
  let tail: tf.Tensor4D;
  if (mode === 'replicate') {
    head = tf.concat(
      new Array(before)
        .fill(0)
        .map(() => take(0, 1))
        .concat([take(0, 0)]),
      axis,
    );
    tail = tf.concat(
      new Array(after)
        .fill(0)
        .map(() => take(n - 1, 1))
        .concat([take(0, 0)]),
      axis,
    );
  } else {
    // circular wraps around; validated so that the pad is never larger than the input
    head = take(n - before, before);
    tail = take(0, after);
  }
  return tf.concat([head, x, tail], axis);
}

/** Pads NHWC input by PyTorch's non-zero `padding_mode`s before a conv: `[top, bottom, left, right]`. */
export function padInput(x: tf.Tensor4D, [top, bottom, left, right]: [number, number, number, number], mode: PaddingMode): tf.Tensor4D {
  const ph = [top, bottom];
  const pw = [left, right];
  const limit = mode === 'reflect' ? 1 : 0;
  if (Math.max(...ph) > x.shape[1] - limit || Math.max(...pw) > x.shape[2] - limit) {
    throw new ShapeError('Conv2d', `${mode} padding [${ph},${pw}] is too large for input ${x.shape[1]}x${x.shape[2]}`);
  }
  if (mode === 'reflect')
    return tf.mirrorPad(
      x,
      [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      'reflect',
    );
  if (mode !== 'replicate' && mode !== 'circular') throw new OptionError('Conv2d', `unsupported paddingMode '${mode}'`);
  return edges(edges(x, 1, top, bottom, mode), 2, left, right, mode);
}
