import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';
import type { Generator } from './random';

/** Evaluation preprocessing of a weights entry, torchvision's `ImageClassification` transform. */
export interface EvalTransforms {
  resizeSize: number;
  cropSize: number;
  interpolation: 'bilinear' | 'bicubic';
  mean: [number, number, number];
  std: [number, number, number];
}

/**
 * A pretrained-weights entry: data only, like torchvision's weights enums. `loadWeights` from
 * `@convkit/weights` accepts it (fetches, verifies the hash prefix, caches, converts).
 */
export interface WeightsEntry {
  /** Model builder name, e.g. `resnet50`. */
  model: string;
  /** torchvision's enum member (`IMAGENET1K_V1`) or timm's pretrained tag (`ns_jft_in1k`). */
  tag: string;
  /** The Hugging Face hub repository of a timm weight (`timm/tf_efficientnet_b7.ns_jft_in1k`): its `model.safetensors` and `config.json`. */
  hubId?: string;
  url: string;
  fileName: string;
  /**
   * The leading hex digits of the file's SHA-256, from torchvision's (or timm's) file name; absent
   * where the name carries none (a Hugging Face hub file), and then the download is not verified.
   */
  sha256Prefix?: string;
  numClasses: number;
  /** Name of the category list (`'imagenet'` for the 1000 ImageNet classes). */
  categories: 'imagenet';
  transforms: EvalTransforms;
  metrics: { acc1: number; acc5: number };
  numParams: number;
  /** Some checkpoints need a model option to be set, e.g. GoogLeNet's `transformInput`. */
  modelOptions?: Record<string, unknown>;
  /** Checkpoint keys the default model does not have, e.g. GoogLeNet's untrained `aux1`/`aux2` heads. */
  ignore?: string[];
}

export interface ClassifierOptions {
  numClasses?: number;
  /** Seed or generator for the initial weights. */
  seed?: number | Generator;
}

/**
 * An image classifier: `forward = forwardHead ∘ forwardFeatures`. `classifierPath` names the
 * head module (e.g. `fc`, `classifier`) so it can be replaced, kept trainable or loaded apart.
 */
export abstract class ImageClassifier extends Module {
  abstract readonly classifierPath: string;
  abstract get numClasses(): number;

  /** The last feature map, NHWC (e.g. `[N,7,7,2048]` for ResNet50 at 224). */
  abstract forwardFeatures(x: tf.Tensor): tf.Tensor;
  /** Pooling, dropout and the classifier: features → logits. */
  abstract forwardHead(features: tf.Tensor): tf.Tensor;
  /** Replaces the head with a freshly initialised one for `numClasses` classes. */
  abstract resetClassifier(numClasses: number, seed?: number | Generator): void;

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.forwardHead(this.forwardFeatures(x)));
  }

  /** Freezes everything except the classifier head: the usual transfer-learning start. */
  freezeBackbone(): this {
    this.freeze();
    return this.unfreeze(this.classifierPath);
  }
}
