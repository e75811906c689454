// Classifies one image with the trained model: the ranked classes and, drawn on a canvas, the
// image as the model saw it with the Grad-CAM heatmap of the top class over it.
import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier } from '@convkit/core';
import { type DecodedImage, decodePredictionsAsync, type Prediction } from '@convkit/data';
import { gradCam, overlayHeatmap } from '@convkit/explain';
import { cropped, standardize } from './backbone';

export interface Classified {
  ranked: Prediction[];
  /** What the canvas shows: the cropped input with the heatmap blended over it. */
  overlay: ImageData;
}

export async function classify(model: ImageClassifier, image: DecodedImage, size: number, classNames: string[]): Promise<Classified> {
  const pixels = cropped(image, size);
  const x = tf.tidy(() => standardize(pixels));
  const scaled = tf.mul(pixels, 255);
  // The default layer (ResNet's layer4, a MobileNet's features, …) and each image's top class.
  const { heatmap, logits } = gradCam(model, x);
  try {
    const [ranked] = await decodePredictionsAsync(logits, { topK: Math.min(5, classNames.length), classNames });
    const rgb = new Uint8ClampedArray(await scaled.data()); // rounds and clamps to 0..255
    const cam = overlayHeatmap({ data: rgb, width: size, height: size, channels: 3 }, (await heatmap.data()) as Float32Array);
    return { ranked, overlay: new ImageData(cam.data as Uint8ClampedArray<ArrayBuffer>, cam.width, cam.height) };
  } finally {
    tf.dispose([pixels, x, scaled, heatmap, logits]);
  }
}
