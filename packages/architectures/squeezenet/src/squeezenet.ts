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
import { AdaptiveAvgPool2d, Conv2d, initializeModel, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { Dropout } from '@convkit/regularization';
import catalog from './weights-catalog.json';

// --- blocks -----------------------------------------------------------------------------------

/** conv → ReLU; in evaluation the bias and the ReLU run in the conv's epilogue (one kernel call). */
function convRelu(x: tf.Tensor, conv: Conv2d): tf.Tensor {
  if (conv.training || Module.tracing) return tf.tidy(() => tf.relu(conv.forward(x)));
  return conv.forwardFolded(x, null, 'relu');
}

/**
 * torchvision's `Fire`: a 1×1 squeeze conv → ReLU, then a 1×1 and a 3×3 (padding 1) expand conv,
 * each → ReLU, concatenated on channels (expand1x1's first): `expand1x1 + expand3x3` channels out.
 */
export class Fire extends Module {
  override get typeName(): string {
    return 'Fire';
  }

  readonly squeeze: Conv2d;
  readonly expand1x1: Conv2d;
  readonly expand3x3: Conv2d;

  constructor(
    readonly inplanes: number,
    squeezePlanes: number,
    expand1x1Planes: number,
    expand3x3Planes: number,
    g?: Generator,
  ) {
    super();
    this.squeeze = this.registerModule('squeeze', new Conv2d(inplanes, squeezePlanes, 1, { generator: g }));
    this.registerModule('squeeze_activation', new ReLU());
    this.expand1x1 = this.registerModule('expand1x1', new Conv2d(squeezePlanes, expand1x1Planes, 1, { generator: g }));
    this.registerModule('expand1x1_activation', new ReLU());
    this.expand3x3 = this.registerModule('expand3x3', new Conv2d(squeezePlanes, expand3x3Planes, 3, { padding: 1, generator: g }));
    this.registerModule('expand3x3_activation', new ReLU());
  }

  get outChannels(): number {
    return this.expand1x1.outChannels + this.expand3x3.outChannels;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const s = convRelu(x, this.squeeze);
      return tf.concat([convRelu(s, this.expand1x1), convRelu(s, this.expand3x3)], 3);
    });
  }
}

// --- configuration ----------------------------------------------------------------------------

/** A 3×3 stride-2 max pool with `ceil_mode=True`. */
const ceilPool = () => new MaxPool2d({ kernelSize: 3, stride: 2, ceilMode: true });

/** A `features` entry: `'M'` = ceil-mode max pool, else a Fire's in, squeeze, expand1x1, expand3x3. */
type FeatureCfg = 'M' | readonly [number, number, number, number];

/** The stem conv (out channels, kernel; stride 2, no padding) and the rest of `features`, per version. */
export const squeezenetConfigs = {
  '1_0': {
    stem: [96, 7],
    layers: [
      'M',
      [96, 16, 64, 64],
      [128, 16, 64, 64],
      [128, 32, 128, 128],
      'M',
      [256, 32, 128, 128],
      [256, 48, 192, 192],
      [384, 48, 192, 192],
      [384, 64, 256, 256],
      'M',
      [512, 64, 256, 256],
    ],
  },
  '1_1': {
    stem: [64, 3],
    layers: [
      'M',
      [64, 16, 64, 64],
      [128, 16, 64, 64],
      'M',
      [128, 32, 128, 128],
      [256, 32, 128, 128],
      'M',
      [256, 48, 192, 192],
      [384, 48, 192, 192],
      [384, 64, 256, 256],
      [512, 64, 256, 256],
    ],
  },
} as const satisfies Record<string, { stem: readonly [number, number]; layers: readonly FeatureCfg[] }>;

export type SqueezeNetVersion = keyof typeof squeezenetConfigs;

// --- the model --------------------------------------------------------------------------------

export interface SqueezeNetOptions extends ClassifierOptions {
  /** Dropout before the final conv (default 0.5). */
  dropout?: number;
}

function checkOptions(where: string, { numClasses, dropout }: SqueezeNetOptions): void {
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new OptionError(where, `numClasses must be a positive integer, got ${numClasses}`);
  }
  if (dropout !== undefined && !(typeof dropout === 'number' && dropout >= 0 && dropout < 1)) {
    throw new OptionError(where, `dropout must be in [0, 1), got ${dropout}`);
  }
}

/** torchvision's init of the final conv (unlike the other convs'): N(0, 0.01) weights, zero bias. */
function initFinalConv(conv: Conv2d, g?: Generator | number): Conv2d {
  const weight = init.normal(conv.weight.shape, 0, 0.01, g);
  conv.weight.assign(weight);
  weight.dispose();
  const bias = tf.zeros([conv.outChannels]);
  (conv.bias as tf.Variable).assign(bias);
  bias.dispose();
  return conv;
}

/**
 * SqueezeNet 1.0 / 1.1: `features` (conv → ReLU, ceil-mode 3×3/2 max pools and Fire modules, a
 * 512-channel map) and a convolutional `classifier`: dropout → 1×1 conv to the classes
 * (`classifier.1`) → ReLU → global average → flatten.
 */
export class SqueezeNet extends ImageClassifier {
  readonly classifierPath = 'classifier';
  readonly version: SqueezeNetVersion;
  readonly features: Sequential;
  classifier: Sequential;

  constructor(version: SqueezeNetVersion = '1_0', options: SqueezeNetOptions = {}) {
    super();
    const config = squeezenetConfigs[version];
    if (!config) throw new OptionError('SqueezeNet', `version must be '1_0' or '1_1', got ${JSON.stringify(version)}`);
    checkOptions('SqueezeNet', options);
    const { numClasses = 1000, dropout = 0.5 } = options;
    const g = toGenerator(options.seed);
    this.version = version;
    const [stemChannels, stemKernel] = config.stem;
    this.features = this.registerModule(
      'features',
      new Sequential(new Conv2d(3, stemChannels, stemKernel, { stride: 2, generator: g }), new ReLU()),
    );
    for (const layer of config.layers as readonly FeatureCfg[]) {
      this.features.append(layer === 'M' ? ceilPool() : new Fire(...layer, g));
    }
    const final = new Conv2d(512, numClasses, 1, { generator: g });
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(new Dropout(dropout, g), final, new ReLU(), new AdaptiveAvgPool2d(1)),
    );
    // kaiming_uniform_ (a = 0, fan in, leaky_relu gain √2) on [kh, kw, in/groups, out] weights: U(±√(6/fanIn)).
    const kaimingUniform = (shape: number[]) => {
      const bound = Math.sqrt(6 / (shape[0] * shape[1] * shape[2]));
      return init.uniform(shape, -bound, bound, g);
    };
    initializeModel(this, { conv: kaimingUniform, zeroBias: true }, g);
    initFinalConv(final, g);
  }

  override get typeName(): string {
    return 'SqueezeNet';
  }

  private get finalConv(): Conv2d {
    return this.classifier.at(1) as Conv2d;
  }

  get numClasses(): number {
    return this.finalConv.outChannels;
  }

  /** The `features` output, `[N,H',W',512]` (13×13 at 224: ceil-mode pools). */
  forwardFeatures(x: tf.Tensor): tf.Tensor {
    return this.features.forward(x);
  }

  /** Dropout, the final conv and ReLU, the global average, flatten: `[N, numClasses]`. */
  forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => flatten(this.classifier.forward(features)));
  }

  /** A new `classifier.1` (1×1 conv from 512 channels), initialised as torchvision's final conv: N(0, 0.01), zero bias. */
  resetClassifier(numClasses: number, seed?: number | Generator): void {
    const g = toGenerator(seed);
    this.classifier.set(1, initFinalConv(new Conv2d(512, numClasses, 1, { generator: g }), g));
  }
}

// --- builders and weights ---------------------------------------------------------------------

const configs = {
  squeezenet1_0: '1_0',
  squeezenet1_1: '1_1',
} as const satisfies Record<string, SqueezeNetVersion>;

export type SqueezeNetName = keyof typeof configs;
export const squeezenetNames = Object.keys(configs) as SqueezeNetName[];

/** torchvision's pretrained weights for each builder (data only; load with `@convkit/weights`). */
export const squeezenetWeights = catalog as unknown as Record<SqueezeNetName, WeightsEntry[]>;

function build(name: SqueezeNetName, options: SqueezeNetOptions): SqueezeNet {
  checkOptions(name, options);
  return new SqueezeNet(configs[name], options);
}

export const squeezenet1_0 = (options: SqueezeNetOptions = {}) => build('squeezenet1_0', options);
export const squeezenet1_1 = (options: SqueezeNetOptions = {}) => build('squeezenet1_1', options);
