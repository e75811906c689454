import { ShapeError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import type { HWCImage } from '../image';

/** uint8 0..255 → float32 0..1 (`x / 255`, as torchvision's `ToTensor`); float32 data is passed through. */
export function toFloat32(data: Uint8Array | Float32Array): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 255;
  return out;
}

/** One image as a `[1,H,W,C]` float32 tensor (see `toFloat32`). */
export function imageToTensor(image: HWCImage): tf.Tensor4D {
  const { data, height, width, channels } = image;
  if (data.length !== height * width * channels) {
    throw new ShapeError(
      'toTensor',
      `image data must have ${height}·${width}·${channels} = ${height * width * channels} values, got ${data.length}`,
    );
  }
  return tf.tensor4d(toFloat32(data), [1, height, width, channels]);
}

/**
 * torchvision's `ToTensor` in NHWC: HWC uint8 images become one float32 batch in [0,1]
 * (`[1,H,W,C]` for one image, `[N,H,W,C]` for a list of same-size images).
 */
export function toTensor(images: HWCImage | readonly HWCImage[]): tf.Tensor4D {
  const list = Array.isArray(images) ? (images as readonly HWCImage[]) : [images as HWCImage];
  if (list.length === 0) throw new ShapeError('toTensor', 'needs at least one image, got an empty list');
  const { height, width, channels } = list[0];
  list.forEach((im, i) => {
    if (im.height !== height || im.width !== width || im.channels !== channels) {
      throw new ShapeError(
        `toTensor: images[${i}]`,
        `expected [${height},${width},${channels}] like images[0], got [${im.height},${im.width},${im.channels}]`,
      );
    }
  });
  return tf.tidy(() => (list.length === 1 ? imageToTensor(list[0]) : tf.concat(list.map(imageToTensor), 0)));
}
