import * as tf from '@tensorflow/tfjs-core';
import { type ClassifierOptions, flatten, type Generator, ImageClassifier, OptionError, toGenerator } from '@convkit/core';
import { Conv2d, Linear, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d, Dropout, Dropout2d } from '@convkit/regularization';

export interface SmallCNNOptions extends ClassifierOptions {
  inChannels?: number;
  /** Input height and width (a multiple of 4). */
  inputSize?: number;
  /** Spatial dropout after the conv blocks (the course recommends 0.1–0.3). */
  dropout2d?: number;
  /** Dropout before the last layer. */
  dropout?: number;
}

/**
 * The course's small CNN: two Conv–BN–ReLU–MaxPool blocks (32 and 64 channels), Dropout2d,
 * then Linear(64·(S/4)²→128)–ReLU–Dropout–Linear(→classes). About 93 % on Fashion-MNIST.
 */
export class SmallCNN extends ImageClassifier {
  readonly classifierPath = 'classifier.3';
  readonly features: Sequential;
  readonly classifier: Sequential;

  constructor({ numClasses = 10, inChannels = 1, inputSize = 28, dropout2d = 0.2, dropout = 0.3, seed }: SmallCNNOptions = {}) {
    super();
    if (!Number.isInteger(inputSize) || inputSize < 4 || inputSize % 4 !== 0) {
      throw new OptionError('SmallCNN', `inputSize must be a multiple of 4, got ${inputSize}`);
    }
    const g = toGenerator(seed);
    const side = inputSize / 4;
    this.features = this.registerModule(
      'features',
      new Sequential(
        new Conv2d(inChannels, 32, 3, { padding: 1, generator: g }),
        new BatchNorm2d(32),
        new ReLU(),
        new MaxPool2d({ kernelSize: 2 }),
        new Conv2d(32, 64, 3, { padding: 1, generator: g }),
        new BatchNorm2d(64),
        new ReLU(),
        new MaxPool2d({ kernelSize: 2 }),
        new Dropout2d(dropout2d, g),
      ),
    );
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        new Linear(64 * side * side, 128, { generator: g, flattenedInput: { height: side, width: side, channels: 64 } }),
        new ReLU(),
        new Dropout(dropout, g),
        new Linear(128, numClasses, { generator: g }),
      ),
    );
  }

  override get typeName(): string {
    return 'SmallCNN';
  }

  get numClasses(): number {
    return (this.classifier.at(3) as Linear).outFeatures;
  }

  forwardFeatures(x: tf.Tensor): tf.Tensor {
    return this.features.forward(x);
  }

  forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.classifier.forward(flatten(features)));
  }

  resetClassifier(numClasses: number, seed?: number | Generator): void {
    this.setModule(this.classifierPath, new Linear(128, numClasses, { generator: seed }));
  }
}

export const smallCnn = (options: SmallCNNOptions = {}) => new SmallCNN(options);
