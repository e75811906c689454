import * as tf from '@tensorflow/tfjs-core';
import {
  type ClassifierOptions,
  flatten,
  type Generator,
  ImageClassifier,
  init,
  type Module,
  toGenerator,
  type WeightsEntry,
} from '@convkit/core';
import { AdaptiveAvgPool2d, Conv2d, initializeModel, Linear, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d, Dropout } from '@convkit/regularization';
import catalog from './weights-catalog.json';

// --- configuration tables (torchvision's `cfgs`): channels, 'M' = 2×2 max pool ---------------

const cfgs = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
} as const;

type Cfg = (typeof cfgs)[keyof typeof cfgs];

/** Conv3×3-(BN)-ReLU layers and max pools, indexed like torchvision's `features`. */
function makeFeatures(cfg: Cfg, batchNorm: boolean, g: Generator): Sequential {
  const features = new Sequential();
  let inChannels = 3;
  for (const v of cfg) {
    if (v === 'M') {
      features.append(new MaxPool2d({ kernelSize: 2, stride: 2 }));
      continue;
    }
    features.append(new Conv2d(inChannels, v, 3, { padding: 1, generator: g }));
    if (batchNorm) features.append(new BatchNorm2d(v));
    features.append(new ReLU());
    inChannels = v;
  }
  return features;
}

// --- the model --------------------------------------------------------------------------------

export interface VGGOptions extends ClassifierOptions {
  /** Dropout probability in the classifier (torchvision: 0.5). */
  dropout?: number;
}

export class VGG extends ImageClassifier {
  readonly classifierPath = 'classifier.6';
  readonly features: Sequential;
  readonly avgpool = new AdaptiveAvgPool2d([7, 7]);
  readonly classifier: Sequential;

  constructor(features: Sequential, { numClasses = 1000, dropout = 0.5, seed }: VGGOptions = {}) {
    super();
    const g = toGenerator(seed);
    this.features = this.registerModule('features', features);
    this.registerModule('avgpool', this.avgpool);
    // The classifier sees an NHWC flatten (H,W,C); PyTorch's weights are C,H,W: the loader reorders.
    const first = new Linear(512 * 7 * 7, 4096, { generator: g, flattenedInput: { height: 7, width: 7, channels: 512 } });
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        first,
        new ReLU(),
        new Dropout(dropout, g),
        new Linear(4096, 4096, { generator: g }),
        new ReLU(),
        new Dropout(dropout, g),
        new Linear(4096, numClasses, { generator: g }),
      ),
    );
    initializeModel(this, { conv: 'kaimingFanOut', linear: (shape) => init.normal(shape, 0, 0.01, g), zeroBias: true }, g);
  }

  override get typeName(): string {
    return 'VGG';
  }

  get numClasses(): number {
    return (this.classifier.at(6) as Linear).outFeatures;
  }

  forwardFeatures(x: tf.Tensor): tf.Tensor {
    return this.features.forward(x);
  }

  forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.classifier.forward(flatten(this.avgpool.forward(features))));
  }

  resetClassifier(numClasses: number, seed?: number | Generator): void {
    const head: Module = new Linear(4096, numClasses, { generator: seed });
    this.setModule(this.classifierPath, head);
  }
}

// --- builders and weights ---------------------------------------------------------------------

const configs = {
  vgg11: ['A', false],
  vgg11_bn: ['A', true],
  vgg13: ['B', false],
  vgg13_bn: ['B', true],
  vgg16: ['D', false],
  vgg16_bn: ['D', true],
  vgg19: ['E', false],
  vgg19_bn: ['E', true],
} as const satisfies Record<string, [keyof typeof cfgs, boolean]>;

export type VGGName = keyof typeof configs;
export const vggNames = Object.keys(configs) as VGGName[];

/** torchvision's pretrained weights for each builder (data only; load with `@convkit/weights`). */
export const vggWeights = catalog as unknown as Record<VGGName, WeightsEntry[]>;

function build(name: VGGName, options: VGGOptions): VGG {
  const [cfg, batchNorm] = configs[name];
  const g = toGenerator(options.seed);
  return new VGG(makeFeatures(cfgs[cfg], batchNorm, g), { ...options, seed: g });
}

export const vgg11 = (options: VGGOptions = {}) => build('vgg11', options);
export const vgg11_bn = (options: VGGOptions = {}) => build('vgg11_bn', options);
export const vgg13 = (options: VGGOptions = {}) => build('vgg13', options);
export const vgg13_bn = (options: VGGOptions = {}) => build('vgg13_bn', options);
export const vgg16 = (options: VGGOptions = {}) => build('vgg16', options);
export const vgg16_bn = (options: VGGOptions = {}) => build('vgg16_bn', options);
export const vgg19 = (options: VGGOptions = {}) => build('vgg19', options);
export const vgg19_bn = (options: VGGOptions = {}) => build('vgg19_bn', options);
