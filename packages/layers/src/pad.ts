import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError, toPair } from '@convkit/core';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

function edges(x: tf.Tensor4D, axis: 1 | 2, before: number, after: number, mode: PaddingMode): tf.Tensor4D {
  if (before === 0 && after === 0) return x;
  const n = x.shape[axis];
  const take = (start: number, size: number) => tf.slice(x, axis === 1 ? [0, start, 0, 0] : [0, 0, start, 0], axis === 1 ? [-1, size, -1, -1] : [-1, -1, size, -1]);
  let head: tf.Tensor4D;
  let tail: tf.Tensor4D;
  if (mode === 'replicate') {
    head = tf.concat(new Array(before).fill(0).map(() => take(0, 1)).concat([take(0, 0)]), axis);
    tail = tf.concat(new Array(after).fill(0).map(() => take(n - 1, 1)).concat([take(0, 0)]), axis);
  } else {
    // circular wraps around; validated so that the pad is never larger than the input
    head = take(n - before, before);
    tail = take(0, after);
  }
  return tf.concat([head, x, tail], axis);
}

/** Pads NHWC input by PyTorch's non-zero `padding_mode`s before a conv. */
export function padInput(x: tf.Tensor4D, padding: number | [number, number] | 'same' | 'valid', kernel: [number, number], dilation: number | [number, number], mode: PaddingMode): tf.Tensor4D {
  let ph: [number, number];
  let pw: [number, number];
  if (padding === 'same') {
    const [dh, dw] = toPair('Conv2d', 'dilation', dilation, 1);
    const th = dh * (kernel[0] - 1);
    const tw = dw * (kernel[1] - 1);
    ph = [Math.floor(th / 2), th - Math.floor(th / 2)];
    pw = [Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  } else {
    const [h, w] = toPair('Conv2d', 'padding', padding === 'valid' ? 0 : padding, 0);
    ph = [h, h];
    pw = [w, w];
  }
  const limit = mode === 'reflect' ? 1 : 0;
  if (Math.max(...ph) > x.shape[1] - limit || Math.max(...pw) > x.shape[2] - limit) {
    throw new ShapeError('Conv2d', `${mode} padding [${ph},${pw}] is too large for input ${x.shape[1]}x${x.shape[2]}`);
  }
  if (mode === 'reflect') return tf.mirrorPad(x, [[0, 0], ph, pw, [0, 0]], 'reflect');
  if (mode !== 'replicate' && mode !== 'circular') throw new OptionError('Conv2d', `unsupported paddingMode '${mode}'`);
  return edges(edges(x, 1, ph[0], ph[1], mode), 2, pw[0], pw[1], mode);
}
