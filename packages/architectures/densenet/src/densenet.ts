import * as tf from '@tensorflow/tfjs-core';
import {
  type ClassifierOptions,
  flatten,
  type Generator,
  ImageClassifier,
  init,
  Module,
  OptionError,
  toGenerator,
  type WeightsEntry,
} from '@convkit/core';
import { Conv2d, convNormAct, initializeModel, Linear, MaxPool2d, ReLU } from '@convkit/layers';
import { BatchNorm2d } from '@convkit/regularization';
import { DenseLayer, Transition } from './dense-layer';
import catalog from './weights-catalog.json';

// --- blocks -----------------------------------------------------------------------------------

/**
 * torchvision's `_DenseBlock`: `denselayer1` … `denselayerN`, each adding `growthRate` channels
 * computed from all the maps before it. The maps are kept as a list and concatenated once, at the end.
 */
export class DenseBlock extends Module {
  override get typeName(): string {
    return 'DenseBlock';
  }

  readonly layers: DenseLayer[] = [];

  constructor(numLayers: number, inFeatures: number, bnSize: number, growthRate: number, dropRate: number, g?: Generator) {
    super();
    for (let i = 0; i < numLayers; i++) {
      const layer = new DenseLayer(inFeatures + i * growthRate, growthRate, bnSize, dropRate, g);
      this.layers.push(this.registerModule(`denselayer${i + 1}`, layer));
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const features = [x];
      for (const layer of this.layers) features.push(layer.forwardList(features));
      return tf.concat(features, 3);
    });
  }
}

/** torchvision's `features`: an `nn.Sequential` with named children, run in order. */
class NamedSequence extends Module {
  override get typeName(): string {
    return 'Sequential';
  }

  add<M extends Module>(name: string, module: M): M {
    return this.registerModule(name, module);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.children().reduce((y, m) => m.forward(y), x));
  }
}

// --- configuration ----------------------------------------------------------------------------

/** Growth rate, layers per block and stem width (torchvision's `_densenet` arguments). */
export const densenetConfigs = {
  densenet121: { growthRate: 32, blocks: [6, 12, 24, 16], initFeatures: 64 },
  densenet161: { growthRate: 48, blocks: [6, 12, 36, 24], initFeatures: 96 },
  densenet169: { growthRate: 32, blocks: [6, 12, 32, 32], initFeatures: 64 },
  densenet201: { growthRate: 32, blocks: [6, 12, 48, 32], initFeatures: 64 },
} as const;

export type DenseNetName = keyof typeof densenetConfigs;

export interface DenseNetConfig {
  growthRate: number;
  blocks: readonly number[];
  initFeatures: number;
  /** Bottleneck width as a multiple of the growth rate (default 4). */
  bnSize?: number;
}

// --- the model --------------------------------------------------------------------------------

export interface DenseNetOptions extends ClassifierOptions {
  /** Dropout after each dense layer (default 0). */
  dropRate?: number;
}

function checkOptions(where: string, { numClasses, dropRate }: DenseNetOptions): void {
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new OptionError(where, `numClasses must be a positive integer, got ${numClasses}`);
  }
  if (dropRate !== undefined && !(typeof dropRate === 'number' && dropRate >= 0 && dropRate < 1)) {
    throw new OptionError(where, `dropRate must be in [0, 1), got ${dropRate}`);
  }
}

/**
 * DenseNet: a 7×7/2 stem conv, BN, ReLU and 3×3/2 max pool, then dense blocks joined by
 * transitions (halving channels and size), a final BatchNorm `norm5`, ReLU, global average and
 * the linear `classifier`.
 */
export class DenseNet extends ImageClassifier {
  readonly classifierPath = 'classifier';
  readonly features: Module;
  readonly numFeatures: number;
  classifier: Linear;
  private readonly stem: { conv: Conv2d; norm: BatchNorm2d; pool: MaxPool2d };

  constructor(config: DenseNetConfig, options: DenseNetOptions = {}) {
    super();
    checkOptions('DenseNet', options);
    const { numClasses = 1000, dropRate = 0 } = options;
    const { growthRate, blocks, initFeatures, bnSize = 4 } = config;
    const g = toGenerator(options.seed);
    const features = this.registerModule('features', new NamedSequence());
    this.features = features;
    this.stem = {
      conv: features.add('conv0', new Conv2d(3, initFeatures, 7, { stride: 2, padding: 3, bias: false, generator: g })),
      norm: features.add('norm0', new BatchNorm2d(initFeatures)),
      pool: (features.add('relu0', new ReLU()), features.add('pool0', new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }))),
    };
    let channels = initFeatures;
    blocks.forEach((numLayers, i) => {
      features.add(`denseblock${i + 1}`, new DenseBlock(numLayers, channels, bnSize, growthRate, dropRate, g));
      channels += numLayers * growthRate;
      if (i < blocks.length - 1) {
        features.add(`transition${i + 1}`, new Transition(channels, Math.floor(channels / 2), g));
        channels = Math.floor(channels / 2);
      }
    });
    features.add('norm5', new BatchNorm2d(channels));
    this.numFeatures = channels;
    this.classifier = this.registerModule('classifier', new Linear(channels, numClasses, { generator: g }));
    // kaiming_normal_ (fan in, gain √2) on the convs; the linear keeps PyTorch's default weight, bias 0.
    const kaimingNormal = (shape: number[]) => init.kaimingNormal(shape, shape[0] * shape[1] * shape[2], g);
    initializeModel(this, { conv: kaimingNormal }, g);
    const zero = tf.zeros([numClasses]);
    this.classifier.bias?.assign(zero);
    zero.dispose();
  }

  override get typeName(): string {
    return 'DenseNet';
  }

  get numClasses(): number {
    return this.classifier.outFeatures;
  }

  /** The `features` output (after `norm5`, before the ReLU): `[N,7,7,C]` at 224, C = 1024/2208/1664/1920. */
  forwardFeatures(x: tf.Tensor): tf.Tensor {
    if (Module.tracing) return this.features.forward(x);
    return tf.tidy(() => {
      // The stem runs folded in evaluation (conv + BN + ReLU in one call).
      const { conv, norm, pool } = this.stem;
      let y = pool.forward(convNormAct(x, conv, norm, 'relu'));
      for (const [name, m] of this.features.namedChildren()) if (!/^(conv|norm|relu|pool)0$/.test(name)) y = m.forward(y);
      return y;
    });
  }

  /** ReLU, global average, the linear classifier: `[N, numClasses]`. */
  forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.classifier.forward(flatten(tf.mean(tf.relu(features), [1, 2], true))));
  }

  /** A new `classifier` for `numClasses` classes: PyTorch's default linear weight, zero bias. */
  resetClassifier(numClasses: number, seed?: number | Generator): void {
    const linear = new Linear(this.numFeatures, numClasses, { generator: toGenerator(seed) });
    const zero = tf.zeros([numClasses]);
    linear.bias?.assign(zero);
    zero.dispose();
    this.setModule('classifier', linear);
    this.classifier = linear;
  }
}

// --- builders and weights ---------------------------------------------------------------------

export const densenetNames = Object.keys(densenetConfigs) as DenseNetName[];

/** torchvision's pretrained weights for each builder (data only; load with `@convkit/weights` and `densenetRenameKey`). */
export const densenetWeights = catalog as unknown as Record<DenseNetName, WeightsEntry[]>;

// torchvision's checkpoints predate dots being banned in module names: `denselayer1.norm.1.weight`.
const legacyKey = /^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$/;

/** Maps a torchvision DenseNet checkpoint key to the model's (`norm.1` → `norm1`), as torchvision's `_load_state_dict` does. */
export function densenetRenameKey(key: string): string {
  const m = legacyKey.exec(key);
  return m ? m[1] + m[2] : key;
}

function build(name: DenseNetName, options: DenseNetOptions): DenseNet {
  checkOptions(name, options);
  return new DenseNet(densenetConfigs[name], options);
}

export const densenet121 = (options: DenseNetOptions = {}) => build('densenet121', options);
export const densenet161 = (options: DenseNetOptions = {}) => build('densenet161', options);
export const densenet169 = (options: DenseNetOptions = {}) => build('densenet169', options);
export const densenet201 = (options: DenseNetOptions = {}) => build('densenet201', options);
