import * as tf from '@tensorflow/tfjs-core';
import { flatten, type Generator, ImageClassifier, type Module } from '@convkit/core';
import { Linear } from './linear';
import { AdaptiveAvgPool2d } from './pooling';
import type { Sequential } from './sequential';

/**
 * torchvision's usual classifier layout (EfficientNet, MobileNet, MNASNet): a backbone, a global
 * average pool, and a `classifier` Sequential whose Linear at `fcIndex` is what `numClasses`
 * reads and `resetClassifier` replaces.
 */
export abstract class PooledClassifier extends ImageClassifier {
  readonly classifierPath = 'classifier';
  /** The backbone: `forwardFeatures` runs it. */
  abstract readonly features: Module;
  abstract classifier: Sequential;
  /** Where the last Linear sits in `classifier`. */
  protected abstract readonly fcIndex: number;
  /** The global average pool: a registered `avgpool` child where torchvision has one, else this unregistered one. */
  protected readonly globalPool: Module = new AdaptiveAvgPool2d(1);

  protected get fc(): Linear {
    return this.classifier.at(this.fcIndex) as Linear;
  }

  get numClasses(): number {
    return this.fc.outFeatures;
  }

  forwardFeatures(x: tf.Tensor): tf.Tensor {
    return this.features.forward(x);
  }

  forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.classifier.forward(flatten(this.globalPool.forward(features))));
  }

  /** A new last Linear; the layers before it in `classifier` stay. */
  resetClassifier(numClasses: number, seed?: number | Generator): void {
    this.setModule(`classifier.${this.fcIndex}`, new Linear(this.fc.inFeatures, numClasses, { generator: seed }));
  }
}
