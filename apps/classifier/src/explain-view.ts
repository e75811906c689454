import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier } from '@convkit/core';
import { defaultCamLayer, featureMapGrid, featureMaps, gradCam, overlayHeatmap, type RgbaImage } from '@convkit/explain';

/** Draws RGBA pixels on a canvas at their own size (CSS scales it). */
function draw(canvas: HTMLCanvasElement, { data, width, height }: RgbaImage): void {
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(data), width, height), 0, 0);
}

/**
 * The Grad-CAM of `classIndex` at the family's last convolutional stage, blended over `crop`
 * (the eval crop before normalisation, values 0–1). Returns the layer it used. The class is
 * given, so nothing reads the GPU synchronously (WebGPU cannot).
 */
export async function showGradCam(
  model: ImageClassifier,
  input: tf.Tensor4D,
  crop: tf.Tensor4D,
  classIndex: number,
  canvas: HTMLCanvasElement,
): Promise<string> {
  const layer = defaultCamLayer(model);
  const cam = gradCam(model, input, { layer, classIndex });
  const bytes = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(crop, 0, 1), 255)), 'int32'));
  try {
    const heatmap = (await cam.heatmap.data()) as Float32Array;
    const rgb = Uint8Array.from(await bytes.data());
    draw(canvas, overlayHeatmap({ data: rgb, width: crop.shape[2], height: crop.shape[1], channels: 3 }, heatmap));
  } finally {
    tf.dispose([cam.heatmap, cam.logits, bytes]);
  }
  return layer;
}

/** The first 64 feature maps of `layer` for the image, as a grid of grey tiles; returns how many channels it has. */
export async function showFeatureMaps(
  model: ImageClassifier,
  input: tf.Tensor4D,
  layer: string,
  canvas: HTMLCanvasElement,
): Promise<number> {
  const maps = featureMaps(model, input, [layer])[layer];
  try {
    await maps.data(); // featureMapGrid reads synchronously: fetch the values first
    draw(canvas, featureMapGrid(maps, { maxMaps: 64, columns: 8, tileSize: 40 }));
    return maps.shape[3];
  } finally {
    maps.dispose();
  }
}

/** The model's modules one and two levels down (`layer1`, `layer1.0`, `features.3`): the layers worth a look. */
export function layerChoices(model: ImageClassifier): string[] {
  return model
    .namedModules()
    .map(([path]) => path)
    .filter((path) => path !== '' && path.split('.').length <= 2);
}
