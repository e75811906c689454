import * as tf from '@tensorflow/tfjs-core';
import {
  type ClassifierOptions,
  flatten,
  type Generator,
  ImageClassifier,
  init,
  OptionError,
  toGenerator,
  UnknownNameError,
  type WeightsEntry,
} from '@convkit/core';
import { AdaptiveAvgPool2d, Conv2d, type ConvUnit, initializeModel, Linear, runUnit, Sequential } from '@convkit/layers';
import { BatchNorm2d, type BatchNorm2dOptions, Dropout } from '@convkit/regularization';
import { mbconvBlocks, type MBConvStage, mbconvStages } from './efficientnet';
import catalog from './timm-weights-catalog.json';

// --- the model --------------------------------------------------------------------------------

export interface TimmEfficientNetOptions extends ClassifierOptions {
  /** Largest drop probability of the residual branches, linear over the blocks (timm's `drop_path_rate`, default 0). */
  stochasticDepthProb?: number;
  /** Dropout before the classifier (timm's `drop_rate`, default 0). */
  dropout?: number;
  /** BatchNorm eps/momentum (PyTorch convention); the `tf_` builders set eps 1e-3. */
  batchNorm?: BatchNorm2dOptions;
  /** `'tf-same'`: TensorFlow "SAME" padding from each input's size, as timm's `tf_` ports need. */
  padding?: 'tf-same';
}

/**
 * timm's `EfficientNet`: the same MBConv stages as torchvision's model under timm's names —
 * `conv_stem`, `bn1`, `blocks.{stage}.{block}.…`, `conv_head`, `bn2` and one Linear `classifier`
 * — so timm checkpoints load as they are. Assigning `model.classifier = new Linear(…)` replaces
 * the head, as in PyTorch.
 */
export class TimmEfficientNet extends ImageClassifier {
  readonly classifierPath = 'classifier';
  readonly blocks: Sequential;
  /** Channels entering the classifier (timm's `num_features`: 1280 for B0, 2560 for B7). */
  readonly numFeatures: number;
  private readonly stem: ConvUnit;
  private readonly head: ConvUnit;
  private readonly globalPool = new AdaptiveAvgPool2d(1);
  private readonly dropout: Dropout;

  constructor(stages: MBConvStage[], options: TimmEfficientNetOptions = {}) {
    super();
    const { numClasses = 1000, stochasticDepthProb = 0, dropout = 0, batchNorm = {}, padding } = options;
    if (stages.length === 0) throw new OptionError('TimmEfficientNet', 'stages must not be empty');
    if (!(stochasticDepthProb >= 0 && stochasticDepthProb <= 1)) {
      throw new OptionError('TimmEfficientNet', `stochasticDepthProb must be in [0, 1], got ${stochasticDepthProb}`);
    }
    const g = toGenerator(options.seed);
    const normLayer = (c: number) => new BatchNorm2d(c, batchNorm);
    const stemChannels = stages[0].inputChannels;
    this.stem = {
      conv: this.registerModule(
        'conv_stem',
        new Conv2d(3, stemChannels, 3, { stride: 2, padding: padding ?? 1, bias: false, generator: g }),
      ),
      norm: this.registerModule('bn1', normLayer(stemChannels)),
      activation: 'silu',
    };
    this.blocks = this.registerModule(
      'blocks',
      new Sequential(...mbconvBlocks(stages, stochasticDepthProb, normLayer, { naming: 'timm', padding, generator: g })),
    );
    const lastIn = stages[stages.length - 1].outChannels;
    this.numFeatures = 4 * lastIn;
    this.head = {
      conv: this.registerModule('conv_head', new Conv2d(lastIn, this.numFeatures, 1, { bias: false, generator: g })),
      norm: this.registerModule('bn2', normLayer(this.numFeatures)),
      activation: 'silu',
    };
    this.registerModule('global_pool', this.globalPool);
    this.dropout = this.registerModule('dropout', new Dropout(dropout, g));
    this.registerModule('classifier', new Linear(this.numFeatures, numClasses, { generator: g }));
    // Linear weights are [in, out]: timm draws them from U(±1/√out_features), like torchvision.
    const linear = (shape: number[]) => init.uniform(shape, -1 / Math.sqrt(shape[1]), 1 / Math.sqrt(shape[1]), g);
    initializeModel(this, { conv: 'kaimingFanOut', linear, zeroBias: true }, g);
  }

  override get typeName(): string {
    return 'TimmEfficientNet';
  }

  get classifier(): Linear {
    return this.getModule('classifier') as Linear;
  }

  /** A new head, as `model.classifier = nn.Linear(model.classifier.in_features, 10)` in PyTorch. */
  set classifier(head: Linear) {
    this.setModule('classifier', head);
  }

  get numClasses(): number {
    return this.classifier.outFeatures;
  }

  forwardFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => runUnit(this.blocks.forward(runUnit(x, this.stem)), this.head));
  }

  forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.classifier.forward(this.dropout.forward(flatten(this.globalPool.forward(features)))));
  }

  resetClassifier(numClasses: number, seed?: number | Generator): void {
    this.classifier = new Linear(this.numFeatures, numClasses, { generator: seed });
  }
}

// --- builders and weights ---------------------------------------------------------------------

// The tf_ models are ports of TensorFlow checkpoints: TensorFlow's BatchNorm eps and "SAME" padding.
const tfPort: Pick<TimmEfficientNetOptions, 'batchNorm' | 'padding'> = { batchNorm: { eps: 1e-3 }, padding: 'tf-same' };

/** Width and depth multipliers per timm variant (the same as torchvision's), and the tf_ settings. */
const configs = {
  efficientnet_b0: [1.0, 1.0, {}],
  efficientnet_b1: [1.0, 1.1, {}],
  efficientnet_b2: [1.1, 1.2, {}],
  efficientnet_b3: [1.2, 1.4, {}],
  efficientnet_b4: [1.4, 1.8, {}],
  efficientnet_b5: [1.6, 2.2, {}],
  efficientnet_b6: [1.8, 2.6, {}],
  efficientnet_b7: [2.0, 3.1, {}],
  tf_efficientnet_b0: [1.0, 1.0, tfPort],
  tf_efficientnet_b1: [1.0, 1.1, tfPort],
  tf_efficientnet_b2: [1.1, 1.2, tfPort],
  tf_efficientnet_b3: [1.2, 1.4, tfPort],
  tf_efficientnet_b4: [1.4, 1.8, tfPort],
  tf_efficientnet_b5: [1.6, 2.2, tfPort],
  tf_efficientnet_b6: [1.8, 2.6, tfPort],
  tf_efficientnet_b7: [2.0, 3.1, tfPort],
} as const satisfies Record<string, [number, number, TimmEfficientNetOptions]>;

export type TimmEfficientNetName = keyof typeof configs;
/** timm's own names (`efficientnet_b0`, `tf_efficientnet_b7`, …); `createModel` takes them as `timm/<name>`. */
export const timmEfficientnetNames = Object.keys(configs) as TimmEfficientNetName[];

/** timm's pretrained weights a user would pick, per model (hub ids, files, eval transforms). */
export const timmEfficientnetWeights = catalog as unknown as Partial<Record<TimmEfficientNetName, WeightsEntry[]>>;

/** Builds timm's EfficientNet of that name: `timmEfficientNet('tf_efficientnet_b7', { numClasses: 10 })`. */
export function timmEfficientNet(name: TimmEfficientNetName, options: TimmEfficientNetOptions = {}): TimmEfficientNet {
  const config = configs[name];
  if (!config) throw new UnknownNameError('timmEfficientNet', name, timmEfficientnetNames);
  const [width, depth, preset] = config;
  return new TimmEfficientNet(mbconvStages(width, depth), { ...preset, ...options });
}
