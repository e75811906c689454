import * as tf from '@tensorflow/tfjs-core';
import {
  type ActivationName,
  type ClassifierOptions,
  type Generator,
  init,
  Module,
  OptionError,
  toGenerator,
  type WeightsEntry,
} from '@convkit/core';
import { makeDivisible } from '@convkit/core';
import {
  AdaptiveAvgPool2d,
  Conv2d,
  type Conv2dOptions,
  ConvNormActivation,
  initializeModel,
  Linear,
  Sequential,
  SiLU,
  SqueezeExcitation,
  PooledClassifier,
  type ConvUnit,
  runUnit,
  torchvisionUnit,
} from '@convkit/layers';
import { BatchNorm2d, type BatchNorm2dOptions, Dropout, StochasticDepth } from '@convkit/regularization';
import catalog from './weights-catalog.json';

// --- helpers ----------------------------------------------------------------------------------

/** torchvision's `_make_divisible`, from core (re-exported: it was first public here). */
export { makeDivisible };

/**
 * One stage, torchvision's `MBConvConfig` / `FusedMBConvConfig` (channels and repeats already
 * scaled). `block` builds its blocks, as the config's `block` does in torchvision: MBConv when
 * unset, `fusedMBConvBlock` for EfficientNetV2's first stages.
 */
export interface MBConvStage {
  expandRatio: number;
  kernel: number;
  stride: number;
  inputChannels: number;
  outChannels: number;
  numLayers: number;
  block?: BlockFactory;
}

/** The config of one block: its stage's, with the input channels and stride of that block. */
export type BlockConfig = Omit<MBConvStage, 'numLayers' | 'block'>;

/** Makes one block of a stage (torchvision's `block(cnf, stochastic_depth_prob, norm_layer)`). */
export type BlockFactory = (
  cnf: BlockConfig,
  stochasticDepthProb: number,
  normLayer: NormLayer,
  g: Generator,
  options: MBConvOptions,
) => Module;

/** torchvision's `bneck_conf` rows: expand ratio, kernel, stride, in, out, layers (B0 sizes). */
const bneckConf = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
] as const;

/** The B0 stages scaled by a width (channels, rounded to multiples of 8) and a depth (repeats, rounded up). */
export function mbconvStages(widthMult: number, depthMult: number): MBConvStage[] {
  return bneckConf.map(([expandRatio, kernel, stride, inC, outC, n]) => ({
    expandRatio,
    kernel,
    stride,
    inputChannels: makeDivisible(inC * widthMult),
    outChannels: makeDivisible(outC * widthMult),
    numLayers: Math.ceil(n * depthMult),
  }));
}

/** Makes the norm layer of a block (BatchNorm2d with the model's eps and momentum). */
export type NormLayer = (channels: number) => Module;

/** Whose state-dict names a model uses: torchvision's (`features.1.0.block.0.0`) or timm's (`blocks.0.0.conv_dw`). */
export type Naming = 'torchvision' | 'timm';

export interface MBConvOptions {
  naming?: Naming;
  /** `'tf-same'` pads like TensorFlow (timm's `tf_` ports); default symmetric `(k − 1) / 2`. */
  padding?: 'tf-same';
  generator?: Generator;
}

/** From `@convkit/layers` (re-exported: they were first public here). */
export { type ConvUnit, runUnit };

// --- blocks -----------------------------------------------------------------------------------

/**
 * Mobile inverted bottleneck: 1×1 expansion (unless the ratio is 1) → depthwise k×k → squeeze-
 * and-excitation → 1×1 projection; a residual with stochastic depth when the shape is kept.
 * Named like torchvision (`block.0.0`, `block.2.fc1`) or like timm (`conv_pw`, `bn1`, `conv_dw`,
 * `se.conv_reduce`, `conv_pwl`; without expansion timm's DepthwiseSeparable `conv_dw`, `bn1`,
 * `se`, `conv_pw`, `bn2`): the same modules either way.
 */
export class MBConv extends Module {
  override get typeName(): string {
    return 'MBConv';
  }

  readonly stochasticDepth: StochasticDepth;
  readonly useResConnect: boolean;
  /** The convolutions in order, the squeeze-excitation after the depthwise one. */
  readonly units: ConvUnit[];
  readonly se: SqueezeExcitation;

  constructor(cnf: BlockConfig, stochasticDepthProb: number, normLayer: NormLayer, g: Generator, options: MBConvOptions = {}) {
    super();
    const { naming = 'torchvision', padding } = options;
    if (cnf.stride !== 1 && cnf.stride !== 2) throw new OptionError('MBConv', `stride must be 1 or 2, got ${cnf.stride}`);
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const expanded = makeDivisible(cnf.inputChannels * cnf.expandRatio);
    const squeeze = Math.max(1, Math.floor(cnf.inputChannels / 4));
    const expands = expanded !== cnf.inputChannels;
    const symmetric = Math.floor((cnf.kernel - 1) / 2);
    const dwPadding = padding ?? symmetric;
    const silu = () => new SiLU();
    if (naming === 'torchvision') {
      const expand = expands
        ? [new ConvNormActivation(cnf.inputChannels, expanded, 1, { normLayer, activationLayer: silu, generator: g })]
        : [];
      const depthwise = new ConvNormActivation(expanded, expanded, cnf.kernel, {
        stride: cnf.stride,
        padding: symmetric,
        groups: expanded,
        normLayer,
        activationLayer: silu,
        generator: g,
      });
      this.se = new SqueezeExcitation(expanded, squeeze, { activation: silu, generator: g });
      const project = new ConvNormActivation(expanded, cnf.outChannels, 1, { normLayer, activationLayer: null, generator: g });
      this.registerModule('block', new Sequential(...expand, depthwise, this.se, project));
      this.units = [
        ...expand.map((c) => torchvisionUnit(c, 'silu')),
        torchvisionUnit(depthwise, 'silu'),
        torchvisionUnit(project, 'linear'),
      ];
    } else {
      const unit = (
        convName: string,
        normName: string,
        inC: number,
        outC: number,
        kernel: number,
        activation: ActivationName,
        extra: Conv2dOptions = {},
      ): ConvUnit => ({
        conv: this.registerModule(convName, new Conv2d(inC, outC, kernel, { bias: false, generator: g, padding: padding ?? 0, ...extra })),
        norm: this.registerModule(normName, normLayer(outC) as BatchNorm2d),
        activation,
      });
      const depthwise = (normName: string) =>
        unit('conv_dw', normName, expanded, expanded, cnf.kernel, 'silu', { stride: cnf.stride, padding: dwPadding, groups: expanded });
      const units = expands ? [unit('conv_pw', 'bn1', cnf.inputChannels, expanded, 1, 'silu'), depthwise('bn2')] : [depthwise('bn1')];
      this.se = this.registerModule(
        'se',
        new SqueezeExcitation(expanded, squeeze, { activation: silu, names: ['conv_reduce', 'conv_expand'], generator: g }),
      );
      const project = expands
        ? unit('conv_pwl', 'bn3', expanded, cnf.outChannels, 1, 'linear')
        : unit('conv_pw', 'bn2', expanded, cnf.outChannels, 1, 'linear');
      this.units = [...units, project];
    }
    this.stochasticDepth = this.registerModule('stochastic_depth', new StochasticDepth(stochasticDepthProb, 'row', g));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const project = this.units[this.units.length - 1];
      let y = x;
      for (const unit of this.units.slice(0, -1)) {
        y = runUnit(y, unit);
        if (unit === this.depthwise) y = this.se.forward(y);
      }
      if (!this.useResConnect) return runUnit(y, project);
      // Stochastic depth is the identity in evaluation: the residual add fuses into the projection.
      if (!this.training) return runUnit(y, project, x);
      return tf.add(this.stochasticDepth.forward(runUnit(y, project)), x);
    });
  }

  private get depthwise(): ConvUnit {
    return this.units[this.units.length - 2];
  }
}

/**
 * The stages as Sequentials of blocks (MBConv, or the stage's `block`): the first block of a
 * stage changes channels and stride; block i of N drops its residual branch with probability
 * `stochasticDepthProb`·i/N.
 */
export function mbconvBlocks(
  stages: MBConvStage[],
  stochasticDepthProb: number,
  normLayer: NormLayer,
  options: MBConvOptions & { generator: Generator },
): Sequential[] {
  const totalBlocks = stages.reduce((n, s) => n + s.numLayers, 0);
  let blockId = 0;
  return stages.map((cnf) => {
    const stage = new Sequential();
    const { numLayers, block, ...first } = cnf;
    for (let i = 0; i < numLayers; i++) {
      const blockCnf = i === 0 ? first : { ...first, inputChannels: cnf.outChannels, stride: 1 };
      const p = (stochasticDepthProb * blockId++) / totalBlocks;
      stage.append(
        block ? block(blockCnf, p, normLayer, options.generator, options) : new MBConv(blockCnf, p, normLayer, options.generator, options),
      );
    }
    return stage;
  });
}

// --- the model --------------------------------------------------------------------------------

export interface EfficientNetOptions extends ClassifierOptions {
  /** Largest drop probability of the residual branches, reached linearly over the blocks (default 0.2). */
  stochasticDepthProb?: number;
  /** Dropout before the classifier (default: the variant's, 0.2 for B0 up to 0.5 for B7, 0.2–0.4 for V2). */
  dropout?: number;
  /**
   * BatchNorm eps/momentum (PyTorch convention); the builders set B5–B7's `{ eps: 1e-3, momentum: 0.01 }`
   * and V2's `{ eps: 1e-3 }`.
   */
  batchNorm?: BatchNorm2dOptions;
  /** Channels of the last conv (torchvision's `last_channel`): default 4× the last stage's, V2's 1280. */
  lastChannel?: number;
}

export class EfficientNet extends PooledClassifier {
  readonly features: Sequential;
  readonly avgpool = new AdaptiveAvgPool2d(1);
  protected override readonly globalPool = this.avgpool;
  protected readonly fcIndex = 1;
  classifier: Sequential;

  constructor(stages: MBConvStage[], options: EfficientNetOptions = {}) {
    super();
    const { numClasses = 1000, stochasticDepthProb = 0.2, dropout = 0.2, batchNorm = {}, lastChannel } = options;
    if (stages.length === 0) throw new OptionError('EfficientNet', 'stages must not be empty');
    if (!(stochasticDepthProb >= 0 && stochasticDepthProb <= 1)) {
      throw new OptionError('EfficientNet', `stochasticDepthProb must be in [0, 1], got ${stochasticDepthProb}`);
    }
    const g = toGenerator(options.seed);
    const normLayer: NormLayer = (c) => new BatchNorm2d(c, batchNorm);
    const silu = () => new SiLU();
    this.features = this.registerModule(
      'features',
      new Sequential(new ConvNormActivation(3, stages[0].inputChannels, 3, { stride: 2, normLayer, activationLayer: silu, generator: g })),
    );
    for (const stage of mbconvBlocks(stages, stochasticDepthProb, normLayer, { generator: g })) this.features.append(stage);
    const lastIn = stages[stages.length - 1].outChannels;
    const lastOut = lastChannel ?? 4 * lastIn;
    this.features.append(new ConvNormActivation(lastIn, lastOut, 1, { normLayer, activationLayer: silu, generator: g }));
    this.registerModule('avgpool', this.avgpool);
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(new Dropout(dropout, g), new Linear(lastOut, numClasses, { generator: g })),
    );
    // Linear weights are [in, out]: torchvision draws them from U(±1/√out_features).
    const linear = (shape: number[]) => init.uniform(shape, -1 / Math.sqrt(shape[1]), 1 / Math.sqrt(shape[1]), g);
    initializeModel(this, { conv: 'kaimingFanOut', linear, zeroBias: true }, g);
  }

  override get typeName(): string {
    return 'EfficientNet';
  }
}

// --- builders and weights ---------------------------------------------------------------------

/** torchvision's pretrained weights for each builder (data only; load with `@convkit/weights`). */
export const efficientnetWeights = catalog as unknown as Record<EfficientNetName, WeightsEntry[]>;

// B5–B7 were ported from TensorFlow checkpoints and keep TF's BatchNorm settings.
const tfBatchNorm = { eps: 1e-3, momentum: 0.01 };

/** Width multiplier, depth multiplier, classifier dropout and BatchNorm settings per variant. */
const configs = {
  efficientnet_b0: [1.0, 1.0, 0.2, {}],
  efficientnet_b1: [1.0, 1.1, 0.2, {}],
  efficientnet_b2: [1.1, 1.2, 0.3, {}],
  efficientnet_b3: [1.2, 1.4, 0.3, {}],
  efficientnet_b4: [1.4, 1.8, 0.4, {}],
  efficientnet_b5: [1.6, 2.2, 0.4, tfBatchNorm],
  efficientnet_b6: [1.8, 2.6, 0.5, tfBatchNorm],
  efficientnet_b7: [2.0, 3.1, 0.5, tfBatchNorm],
} as const satisfies Record<string, [number, number, number, BatchNorm2dOptions]>;

/** The EfficientNetV2 builders (in `./efficientnet-v2`). */
export const efficientnetV2Names = ['efficientnet_v2_s', 'efficientnet_v2_m', 'efficientnet_v2_l'] as const;
export type EfficientNetV2Name = (typeof efficientnetV2Names)[number];

export type EfficientNetName = keyof typeof configs | EfficientNetV2Name;
export const efficientnetNames = [...Object.keys(configs), ...efficientnetV2Names] as EfficientNetName[];

function build(name: keyof typeof configs, options: EfficientNetOptions): EfficientNet {
  const [width, depth, dropout, batchNorm] = configs[name];
  return new EfficientNet(mbconvStages(width, depth), { dropout, batchNorm, ...options });
}

export const efficientnet_b0 = (options: EfficientNetOptions = {}) => build('efficientnet_b0', options);
export const efficientnet_b1 = (options: EfficientNetOptions = {}) => build('efficientnet_b1', options);
export const efficientnet_b2 = (options: EfficientNetOptions = {}) => build('efficientnet_b2', options);
export const efficientnet_b3 = (options: EfficientNetOptions = {}) => build('efficientnet_b3', options);
export const efficientnet_b4 = (options: EfficientNetOptions = {}) => build('efficientnet_b4', options);
export const efficientnet_b5 = (options: EfficientNetOptions = {}) => build('efficientnet_b5', options);
export const efficientnet_b6 = (options: EfficientNetOptions = {}) => build('efficientnet_b6', options);
export const efficientnet_b7 = (options: EfficientNetOptions = {}) => build('efficientnet_b7', options);
