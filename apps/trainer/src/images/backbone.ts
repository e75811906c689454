// The backbone: one of the registry's models small enough to train in a tab, optionally with
// its pretrained weights, and a fresh head for the user's classes.
import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier } from '@convkit/core';
import { centerCrop, compose, type DecodedImage, IMAGENET_MEAN, IMAGENET_STD, normalize, resize, toTensor } from '@convkit/data';
import { createModel, listModels, type ModelInfo } from '@convkit/models';
import { loadWeights } from '@convkit/weights';

/** torchvision's models up to 15 M parameters (ResNet18, the MobileNets, EfficientNet-B0…B3, …): what a tab can train. */
export const browserBackbones = (): ModelInfo[] => listModels({ source: 'torchvision' }).filter((m) => m.params <= 15e6);

/**
 * resnet18: with random weights its features still tell colours and simple shapes apart, while
 * a random MobileNet's or EfficientNet's last feature map is flat (variance ~1e-17, in PyTorch
 * too) — those need their pretrained weights file.
 */
export const DEFAULT_BACKBONE = 'resnet18';

export interface BackboneChoice {
  backbone: string;
  /** A torchvision checkpoint of the backbone (ImageNet head included), as picked from disk. */
  weights?: Blob;
  numClasses: number;
  fineTune: boolean;
}

/** Builds the backbone, loads its weights, gives it a head for `numClasses` and freezes the rest unless fine-tuning. */
export async function buildModel({ backbone, weights, numClasses, fineTune }: BackboneChoice): Promise<ImageClassifier> {
  const model = createModel(backbone, { seed: 0 });
  try {
    // Any head size: torchvision's 1000 classes, or a file this page saved for other classes.
    if (weights) await loadWeights(model, weights, { allowHeadMismatch: [model.classifierPath] });
    model.resetClassifier(numClasses, 0);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return fineTune ? model : model.freezeBackbone();
}

/** Loads `weights` into a throw-away `backbone`: a file that does not fit is refused when picked, not at training. */
export async function checkWeights(backbone: string, weights: Blob): Promise<number> {
  const model = createModel(backbone, { seed: 0 });
  try {
    return (await loadWeights(model, weights, { allowHeadMismatch: [model.classifierPath] })).loaded.length;
  } finally {
    model.dispose();
  }
}

/** The pixels the model sees, 0..1: the shorter edge resized to `size` (antialiased), the centre square. */
export function cropped(image: DecodedImage, size: number): tf.Tensor4D {
  return tf.tidy(() => compose([resize(size, { antialias: true }), centerCrop(size)])(toTensor(image)));
}

/** ImageNet's mean and std, as torchvision's weights expect. */
export const standardize = normalize(IMAGENET_MEAN, IMAGENET_STD);
