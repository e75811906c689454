import * as tf from '@tensorflow/tfjs-core';
import { type ClassifierOptions, type Generator, init, Module, OptionError, toGenerator, type WeightsEntry } from '@convkit/core';
import {
  AdaptiveAvgPool2d,
  applyLayerScale,
  Conv2d,
  ConvNormActivation,
  Flatten,
  GELU,
  Identity,
  initializeModel,
  LayerNorm,
  LayerNorm2d,
  layerScaleInit,
  Linear,
  PooledClassifier,
  Sequential,
} from '@convkit/layers';
import { StochasticDepth } from '@convkit/regularization';
import catalog from './weights-catalog.json';

// --- blocks -----------------------------------------------------------------------------------

/**
 * torchvision's `CNBlock`: depthwise 7×7 conv → LayerNorm over the channels → Linear to 4× →
 * GELU → Linear back, scaled per channel by `layer_scale` (`[C,1,1]`, starts at 1e-6), dropped
 * per example by stochastic depth in training, added to the input. torchvision permutes its NCHW
 * map to channels-last for the norm and the Linears and back (`block.1`, `block.6`); the maps
 * here are NHWC already, so those two are Identity and keep the indices of `block.2/3/5`.
 */
export class CNBlock extends Module {
  override get typeName(): string {
    return 'CNBlock';
  }

  readonly layerScale: tf.Variable;
  readonly block: Sequential;
  readonly stochasticDepth: StochasticDepth;

  constructor(
    readonly dim: number,
    layerScale: number,
    stochasticDepthProb: number,
    g?: Generator,
  ) {
    super();
    this.layerScale = this.registerParameter('layer_scale', layerScaleInit(dim, layerScale, 'CNBlock'));
    this.block = this.registerModule(
      'block',
      new Sequential(
        new Conv2d(dim, dim, 7, { padding: 3, groups: dim, generator: g }),
        new Identity(),
        new LayerNorm(dim, { eps: 1e-6 }),
        new Linear(dim, 4 * dim, { generator: g }),
        new GELU(),
        new Linear(4 * dim, dim, { generator: g }),
        new Identity(),
      ),
    );
    this.stochasticDepth = this.registerModule('stochastic_depth', new StochasticDepth(stochasticDepthProb, 'row', g));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const y = applyLayerScale(this.block.forward(x), this.layerScale, this.typeName);
      // Stochastic depth is the identity in evaluation.
      return tf.add(this.training ? this.stochasticDepth.forward(y) : y, x);
    });
  }
}

// --- configuration ----------------------------------------------------------------------------

/** torchvision's `CNBlockConfig`: a stage's channels, the next stage's (null for the last) and its blocks. */
export type CNBlockConfig = readonly [inputChannels: number, outChannels: number | null, numLayers: number];

/** The four block settings of the paper (section 3), and torchvision's stochastic-depth defaults. */
export const convnextConfigs = {
  convnext_tiny: {
    stages: [
      [96, 192, 3],
      [192, 384, 3],
      [384, 768, 9],
      [768, null, 3],
    ],
    stochasticDepthProb: 0.1,
  },
  convnext_small: {
    stages: [
      [96, 192, 3],
      [192, 384, 3],
      [384, 768, 27],
      [768, null, 3],
    ],
    stochasticDepthProb: 0.4,
  },
  convnext_base: {
    stages: [
      [128, 256, 3],
      [256, 512, 3],
      [512, 1024, 27],
      [1024, null, 3],
    ],
    stochasticDepthProb: 0.5,
  },
  convnext_large: {
    stages: [
      [192, 384, 3],
      [384, 768, 3],
      [768, 1536, 27],
      [1536, null, 3],
    ],
    stochasticDepthProb: 0.5,
  },
} as const satisfies Record<string, { stages: readonly CNBlockConfig[]; stochasticDepthProb: number }>;

// --- the model --------------------------------------------------------------------------------

export interface ConvNeXtOptions extends ClassifierOptions {
  /** Drop probability of the last block's residual branch, reached linearly from 0 (torchvision's per-model default). */
  stochasticDepthProb?: number;
  /** Initial value of every `layer_scale` (default 1e-6). */
  layerScale?: number;
}

function checkOptions(where: string, { numClasses, stochasticDepthProb, layerScale }: ConvNeXtOptions): void {
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new OptionError(where, `numClasses must be a positive integer, got ${numClasses}`);
  }
  if (stochasticDepthProb !== undefined && !(stochasticDepthProb >= 0 && stochasticDepthProb <= 1)) {
    throw new OptionError(where, `stochasticDepthProb must be in [0, 1], got ${stochasticDepthProb}`);
  }
  if (layerScale !== undefined && !Number.isFinite(layerScale)) {
    throw new OptionError(where, `layerScale must be a finite number, got ${layerScale}`);
  }
}

/**
 * ConvNeXt: `features` = a 4×4 stride-4 patchify stem (conv + LayerNorm2d), then per stage its
 * CNBlocks and (between stages) a LayerNorm2d + 2×2 stride-2 conv; `avgpool`; `classifier` =
 * LayerNorm2d on the pooled 1×1 map → Flatten → Linear.
 */
export class ConvNeXt extends PooledClassifier {
  readonly features: Sequential;
  readonly avgpool = new AdaptiveAvgPool2d(1);
  protected readonly fcIndex = 2;
  classifier: Sequential;

  constructor(stages: readonly CNBlockConfig[], options: ConvNeXtOptions = {}) {
    super();
    checkOptions('ConvNeXt', options);
    if (stages.length === 0) throw new OptionError('ConvNeXt', 'stages must not be empty');
    const { numClasses = 1000, stochasticDepthProb = 0, layerScale = 1e-6 } = options;
    const g = toGenerator(options.seed);
    const norm = (c: number) => new LayerNorm2d(c, { eps: 1e-6 });
    const stem = new ConvNormActivation(3, stages[0][0], 4, {
      stride: 4,
      padding: 0,
      normLayer: norm,
      activationLayer: null,
      bias: true,
      generator: g,
    });
    this.features = this.registerModule('features', new Sequential(stem));
    const total = stages.reduce((n, [, , layers]) => n + layers, 0);
    let blockId = 0;
    for (const [inC, outC, layers] of stages) {
      const stage = new Sequential();
      for (let i = 0; i < layers; i++) {
        // torchvision divides by (total − 1): the last block gets the full probability.
        stage.append(new CNBlock(inC, layerScale, (stochasticDepthProb * blockId++) / Math.max(total - 1, 1), g));
      }
      this.features.append(stage);
      if (outC !== null) this.features.append(new Sequential(norm(inC), new Conv2d(inC, outC, 2, { stride: 2, generator: g })));
    }
    const [lastIn, lastOut] = stages[stages.length - 1];
    const channels = lastOut ?? lastIn;
    this.registerModule('avgpool', this.avgpool);
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(norm(channels), new Flatten(1), new Linear(channels, numClasses, { generator: g })),
    );
    // trunc_normal_(std=0.02) truncates at ±2 (absolute, i.e. ±100σ): a plain normal draw.
    const draw = (shape: number[]) => init.normal(shape, 0, 0.02, g);
    initializeModel(this, { conv: draw, linear: draw, zeroBias: true }, g);
  }

  override get typeName(): string {
    return 'ConvNeXt';
  }

  /** The pooled 1×1 map through the classifier's LayerNorm2d, Flatten and Linear: `[N, numClasses]`. */
  override forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.classifier.forward(this.avgpool.forward(features)));
  }

  /** A new `classifier.2`, initialised as torchvision: N(0, 0.02²) weights, zero bias. */
  override resetClassifier(numClasses: number, seed?: number | Generator): void {
    const g = toGenerator(seed);
    const fc = new Linear(this.fc.inFeatures, numClasses, { generator: g });
    initializeModel(fc, { linear: (shape) => init.normal(shape, 0, 0.02, g), zeroBias: true }, g);
    this.classifier.set(this.fcIndex, fc);
  }
}

// --- builders and weights ---------------------------------------------------------------------

export type ConvNeXtName = keyof typeof convnextConfigs;
export const convnextNames = Object.keys(convnextConfigs) as ConvNeXtName[];

/** torchvision's pretrained weights for each builder (data only; load with `@convkit/weights`). */
export const convnextWeights = catalog as unknown as Record<ConvNeXtName, WeightsEntry[]>;

function build(name: ConvNeXtName, options: ConvNeXtOptions): ConvNeXt {
  checkOptions(name, options);
  const { stages, stochasticDepthProb } = convnextConfigs[name];
  return new ConvNeXt(stages, { ...options, stochasticDepthProb: options.stochasticDepthProb ?? stochasticDepthProb });
}

export const convnext_tiny = (options: ConvNeXtOptions = {}) => build('convnext_tiny', options);
export const convnext_small = (options: ConvNeXtOptions = {}) => build('convnext_small', options);
export const convnext_base = (options: ConvNeXtOptions = {}) => build('convnext_base', options);
export const convnext_large = (options: ConvNeXtOptions = {}) => build('convnext_large', options);
