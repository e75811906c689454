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
  Hardsigmoid,
  Hardswish,
  initializeModel,
  Linear,
  ReLU,
  ReLU6,
  Sequential,
  SqueezeExcitation,
  PooledClassifier,
  type ConvUnit,
  runUnit,
  torchvisionUnit,
} from '@convkit/layers';
import { BatchNorm2d, type BatchNorm2dOptions, Dropout } from '@convkit/regularization';
import catalog from './weights-catalog.json';

// --- helpers ----------------------------------------------------------------------------------

/** torchvision's `_make_divisible` (from core). */
export { makeDivisible };

/** The activations MobileNets use inside their blocks. */
export type BlockActivation = 'relu' | 'relu6' | 'hardswish';

const activationModules: Record<BlockActivation, () => Module> = {
  relu: () => new ReLU(),
  relu6: () => new ReLU6(),
  hardswish: () => new Hardswish(),
};

/**
 * One inverted residual block, torchvision's `InvertedResidualConfig` (channels already scaled):
 * MobileNetV2's blocks are the same with ReLU6, no squeeze-excitation and dilation 1.
 */
export interface InvertedResidualConfig {
  inputChannels: number;
  kernel: number;
  expandedChannels: number;
  outChannels: number;
  useSe: boolean;
  activation: BlockActivation;
  stride: number;
  dilation: number;
}

/**
 * Whose state-dict names a block uses: MobileNetV2's (`conv.0.0`, `conv.1.0`, `conv.2`,
 * `conv.3`), MobileNetV3's (`block.0.0`, `block.2.fc1`, `block.3.0`) or timm's (`conv_pw`,
 * `bn1`, `conv_dw`, `bn2`, `se.conv_reduce`, `conv_pwl`, `bn3`; without expansion timm's
 * DepthwiseSeparable `conv_dw`, `bn1`, `se`, `conv_pw`, `bn2`).
 */
export type InvertedResidualNaming = 'mobilenet_v2' | 'mobilenet_v3' | 'timm';

type NormLayer = (channels: number) => Module;

// --- the block --------------------------------------------------------------------------------

/**
 * Inverted residual: 1×1 expansion (unless the expanded width is the input's) → depthwise k×k
 * (dilated instead of strided when `dilation > 1`) → optional squeeze-and-excitation gated by
 * Hardsigmoid (squeeze width `_make_divisible(expanded / 4, 8)`) → linear 1×1 projection; the
 * input is added when stride is 1 and the channels are kept. The same modules under
 * MobileNetV2's, MobileNetV3's or timm's names.
 */
export class InvertedResidual extends Module {
  override get typeName(): string {
    return 'InvertedResidual';
  }

  readonly useResConnect: boolean;
  readonly outChannels: number;
  /** The convolutions in order; the squeeze-excitation runs after the depthwise one. */
  readonly units: ConvUnit[];
  readonly se: SqueezeExcitation | null;

  constructor(cnf: InvertedResidualConfig, normLayer: NormLayer, g: Generator, naming: InvertedResidualNaming = 'mobilenet_v3') {
    super();
    if (cnf.stride !== 1 && cnf.stride !== 2) throw new OptionError('InvertedResidual', `stride must be 1 or 2, got ${cnf.stride}`);
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    this.outChannels = cnf.outChannels;
    const { inputChannels: inC, expandedChannels: mid, outChannels: outC, kernel } = cnf;
    const expands = mid !== inC;
    const act = cnf.activation;
    const actLayer = activationModules[act];
    const stride = cnf.dilation > 1 ? 1 : cnf.stride;
    const squeeze = makeDivisible(Math.floor(mid / 4), 8);
    const seOptions = { activation: () => new ReLU(), scaleActivation: () => new Hardsigmoid(), generator: g };
    if (naming === 'timm') {
      const unit = (convName: string, normName: string, i: number, o: number, k: number, a: ActivationName, extra: Conv2dOptions = {}) => ({
        conv: this.registerModule(convName, new Conv2d(i, o, k, { bias: false, generator: g, ...extra })),
        norm: this.registerModule(normName, normLayer(o) as BatchNorm2d),
        activation: a,
      });
      const dwOptions = { stride, dilation: cnf.dilation, padding: Math.floor((kernel - 1) / 2) * cnf.dilation, groups: mid };
      const units: ConvUnit[] = expands
        ? [unit('conv_pw', 'bn1', inC, mid, 1, act), unit('conv_dw', 'bn2', mid, mid, kernel, act, dwOptions)]
        : [unit('conv_dw', 'bn1', mid, mid, kernel, act, dwOptions)];
      this.se = cnf.useSe
        ? this.registerModule('se', new SqueezeExcitation(mid, squeeze, { ...seOptions, names: ['conv_reduce', 'conv_expand'] }))
        : null;
      units.push(expands ? unit('conv_pwl', 'bn3', mid, outC, 1, 'linear') : unit('conv_pw', 'bn2', mid, outC, 1, 'linear'));
      this.units = units;
      return;
    }
    const expand = expands ? [new ConvNormActivation(inC, mid, 1, { normLayer, activationLayer: actLayer, generator: g })] : [];
    const depthwise = new ConvNormActivation(mid, mid, kernel, {
      stride,
      dilation: cnf.dilation,
      groups: mid,
      normLayer,
      activationLayer: actLayer,
      generator: g,
    });
    const convUnits = [...expand.map((c) => torchvisionUnit(c, act)), torchvisionUnit(depthwise, act)];
    if (naming === 'mobilenet_v2') {
      // torchvision's V2 ends in a bare Conv2d and BatchNorm2d (`conv.2`, `conv.3`), not a Conv2dNormActivation.
      if (cnf.useSe) throw new OptionError('InvertedResidual', "MobileNetV2's blocks have no squeeze-excitation");
      const project = {
        conv: new Conv2d(mid, outC, 1, { bias: false, generator: g }),
        norm: normLayer(outC) as BatchNorm2d,
        activation: 'linear' as const,
      };
      this.registerModule('conv', new Sequential(...expand, depthwise, project.conv, project.norm));
      this.se = null;
      this.units = [...convUnits, project];
      return;
    }
    this.se = cnf.useSe ? new SqueezeExcitation(mid, squeeze, seOptions) : null;
    const project = new ConvNormActivation(mid, outC, 1, { normLayer, activationLayer: null, generator: g });
    this.registerModule('block', new Sequential(...expand, depthwise, ...(this.se ? [this.se] : []), project));
    this.units = [...convUnits, torchvisionUnit(project, 'linear')];
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const last = this.units.length - 1;
      let y = x;
      for (let i = 0; i < last; i++) y = runUnit(y, this.units[i]);
      if (this.se) y = this.se.forward(y);
      // In evaluation the residual add fuses into the projection conv.
      return runUnit(y, this.units[last], this.useResConnect ? x : null);
    });
  }
}

// --- shared pieces of the models --------------------------------------------------------------

function checkWidth(where: string, widthMult: number): void {
  if (!(widthMult > 0 && Number.isFinite(widthMult))) throw new OptionError(where, `widthMult must be > 0, got ${widthMult}`);
}

function checkDropout(where: string, dropout: number): void {
  if (!(dropout >= 0 && dropout <= 1)) throw new OptionError(where, `dropout must be in [0, 1], got ${dropout}`);
}

/** torchvision's MobileNet init: kaiming-normal fan-out convs, zero biases, BN γ=1 β=0, Linear N(0, 0.01). */
function initializeMobileNet(model: Module, g: Generator): void {
  initializeModel(model, { conv: 'kaimingFanOut', linear: (shape) => init.normal(shape, 0, 0.01, g), zeroBias: true }, g);
}

// --- MobileNetV2 ------------------------------------------------------------------------------

/** torchvision's `inverted_residual_setting` of MobileNetV2: expand ratio t, channels c, repeats n, stride s. */
const v2Setting = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
] as const;

export interface MobileNetV2Options extends ClassifierOptions {
  /** Width multiplier: every layer's channels times this, rounded to `roundNearest` (default 1). */
  widthMult?: number;
  /** Channel rounding (default 8; 1 turns rounding off). */
  roundNearest?: number;
  /** Dropout before the classifier (default 0.2). */
  dropout?: number;
  /** BatchNorm eps/momentum (PyTorch convention; default PyTorch's 1e-5 / 0.1). */
  batchNorm?: BatchNorm2dOptions;
}

/** torchvision's `MobileNetV2`: `features.0`–`features.18`, then `classifier` = Dropout → Linear. */
export class MobileNetV2 extends PooledClassifier {
  readonly features: Sequential;
  classifier: Sequential;
  protected readonly fcIndex = 1;
  /** Channels of the last feature map (1280 at width ≤ 1). */
  readonly lastChannel: number;

  constructor(options: MobileNetV2Options = {}) {
    super();
    const { numClasses = 1000, widthMult = 1, roundNearest = 8, dropout = 0.2, batchNorm = {} } = options;
    checkWidth('MobileNetV2', widthMult);
    checkDropout('MobileNetV2', dropout);
    if (!(Number.isInteger(roundNearest) && roundNearest >= 1)) {
      throw new OptionError('MobileNetV2', `roundNearest must be a positive integer, got ${roundNearest}`);
    }
    const g = toGenerator(options.seed);
    const normLayer: NormLayer = (c) => new BatchNorm2d(c, batchNorm);
    const relu6 = () => new ReLU6();
    let inputChannel = makeDivisible(32 * widthMult, roundNearest);
    this.lastChannel = makeDivisible(1280 * Math.max(1, widthMult), roundNearest);
    this.features = this.registerModule(
      'features',
      new Sequential(new ConvNormActivation(3, inputChannel, 3, { stride: 2, normLayer, activationLayer: relu6, generator: g })),
    );
    for (const [t, c, n, s] of v2Setting) {
      const outputChannel = makeDivisible(c * widthMult, roundNearest);
      for (let i = 0; i < n; i++) {
        const cnf: InvertedResidualConfig = {
          inputChannels: inputChannel,
          kernel: 3,
          expandedChannels: Math.round(inputChannel * t),
          outChannels: outputChannel,
          useSe: false,
          activation: 'relu6',
          stride: i === 0 ? s : 1,
          dilation: 1,
        };
        this.features.append(new InvertedResidual(cnf, normLayer, g, 'mobilenet_v2'));
        inputChannel = outputChannel;
      }
    }
    this.features.append(new ConvNormActivation(inputChannel, this.lastChannel, 1, { normLayer, activationLayer: relu6, generator: g }));
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(new Dropout(dropout, g), new Linear(this.lastChannel, numClasses, { generator: g })),
    );
    initializeMobileNet(this, g);
  }

  override get typeName(): string {
    return 'MobileNetV2';
  }
}

// --- MobileNetV3 ------------------------------------------------------------------------------

export type MobileNetV3Arch = 'mobilenet_v3_large' | 'mobilenet_v3_small';

/** torchvision's `bneck_conf` rows: input, kernel, expanded, out, SE, activation, stride (dilation and tail set apart). */
type Bneck = readonly [number, number, number, number, boolean, 'RE' | 'HS', number];

// Rows marked `tail` belong to the last stage (C4): `reducedTail` halves their widths, `dilated` dilates them.
const bnecks: Record<MobileNetV3Arch, { rows: readonly Bneck[]; tailFrom: number; lastChannel: number }> = {
  mobilenet_v3_large: {
    rows: [
      [16, 3, 16, 16, false, 'RE', 1],
      [16, 3, 64, 24, false, 'RE', 2], // C1
      [24, 3, 72, 24, false, 'RE', 1],
      [24, 5, 72, 40, true, 'RE', 2], // C2
      [40, 5, 120, 40, true, 'RE', 1],
      [40, 5, 120, 40, true, 'RE', 1],
      [40, 3, 240, 80, false, 'HS', 2], // C3
      [80, 3, 200, 80, false, 'HS', 1],
      [80, 3, 184, 80, false, 'HS', 1],
      [80, 3, 184, 80, false, 'HS', 1],
      [80, 3, 480, 112, true, 'HS', 1],
      [112, 3, 672, 112, true, 'HS', 1],
      [112, 5, 672, 160, true, 'HS', 2], // C4
      [160, 5, 960, 160, true, 'HS', 1],
      [160, 5, 960, 160, true, 'HS', 1],
    ],
    tailFrom: 12,
    lastChannel: 1280,
  },
  mobilenet_v3_small: {
    rows: [
      [16, 3, 16, 16, true, 'RE', 2], // C1
      [16, 3, 72, 24, false, 'RE', 2], // C2
      [24, 3, 88, 24, false, 'RE', 1],
      [24, 5, 96, 40, true, 'HS', 2], // C3
      [40, 5, 240, 40, true, 'HS', 1],
      [40, 5, 240, 40, true, 'HS', 1],
      [40, 5, 120, 48, true, 'HS', 1],
      [48, 5, 144, 48, true, 'HS', 1],
      [48, 5, 288, 96, true, 'HS', 2], // C4
      [96, 5, 576, 96, true, 'HS', 1],
      [96, 5, 576, 96, true, 'HS', 1],
    ],
    tailFrom: 8,
    lastChannel: 1024,
  },
};

export interface MobileNetV3ConfigOptions {
  /** Width multiplier: channels times this, rounded to multiples of 8 (default 1). */
  widthMult?: number;
  /** Halve the last stage's widths and the penultimate layer (torchvision's `reduced_tail`, for detection backbones). */
  reducedTail?: boolean;
  /** Dilation 2 instead of stride 2 in the last stage: output stride 16 (torchvision's `dilated`, for segmentation). */
  dilated?: boolean;
}

/** torchvision's `_mobilenet_v3_conf`: the blocks of one architecture and the classifier's hidden width. */
export function mobilenetV3Config(
  arch: MobileNetV3Arch,
  { widthMult = 1, reducedTail = false, dilated = false }: MobileNetV3ConfigOptions = {},
): { setting: InvertedResidualConfig[]; lastChannel: number } {
  checkWidth(arch, widthMult);
  const conf = bnecks[arch];
  const adjust = (c: number) => makeDivisible(c * widthMult, 8);
  const divider = reducedTail ? 2 : 1;
  const setting = conf.rows.map(([inC, kernel, mid, outC, useSe, act, stride], i): InvertedResidualConfig => {
    const tail = i >= conf.tailFrom;
    // The first tail row keeps its input and expanded widths; only its output is reduced.
    const inner = (c: number) => (i > conf.tailFrom ? Math.floor(c / divider) : c);
    return {
      inputChannels: adjust(inner(inC)),
      kernel,
      expandedChannels: adjust(inner(mid)),
      outChannels: adjust(tail ? Math.floor(outC / divider) : outC),
      useSe,
      activation: act === 'HS' ? 'hardswish' : 'relu',
      stride,
      dilation: tail && dilated ? 2 : 1,
    };
  });
  return { setting, lastChannel: adjust(Math.floor(conf.lastChannel / divider)) };
}

export interface MobileNetV3Options extends ClassifierOptions, MobileNetV3ConfigOptions {
  /** Dropout between the classifier's two Linears (default 0.2). */
  dropout?: number;
  /** BatchNorm eps/momentum (PyTorch convention; default torchvision's `{ eps: 1e-3, momentum: 0.01 }`). */
  batchNorm?: BatchNorm2dOptions;
}

/** torchvision's BatchNorm for MobileNetV3: `partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)`. */
export const mobilenetV3BatchNorm: BatchNorm2dOptions = { eps: 1e-3, momentum: 0.01 };

/**
 * torchvision's `MobileNetV3`: `features` (stem, the inverted residual blocks, a 1×1 conv to
 * 6× the last width), `avgpool`, and `classifier` = Linear → Hardswish → Dropout → Linear.
 */
export class MobileNetV3 extends PooledClassifier {
  readonly features: Sequential;
  readonly avgpool = new AdaptiveAvgPool2d(1);
  protected override readonly globalPool = this.avgpool;
  /** `classifier.3`: `resetClassifier` replaces it, the hidden Linear `classifier.0` stays. */
  protected readonly fcIndex = 3;
  classifier: Sequential;

  constructor(
    setting: InvertedResidualConfig[],
    lastChannel: number,
    options: Omit<MobileNetV3Options, keyof MobileNetV3ConfigOptions> = {},
  ) {
    super();
    const { numClasses = 1000, dropout = 0.2, batchNorm = mobilenetV3BatchNorm } = options;
    if (setting.length === 0) throw new OptionError('MobileNetV3', 'the inverted residual setting must not be empty');
    checkDropout('MobileNetV3', dropout);
    const g = toGenerator(options.seed);
    const normLayer: NormLayer = (c) => new BatchNorm2d(c, batchNorm);
    const hardswish = () => new Hardswish();
    this.features = this.registerModule(
      'features',
      new Sequential(
        new ConvNormActivation(3, setting[0].inputChannels, 3, { stride: 2, normLayer, activationLayer: hardswish, generator: g }),
      ),
    );
    for (const cnf of setting) this.features.append(new InvertedResidual(cnf, normLayer, g, 'mobilenet_v3'));
    const lastIn = setting[setting.length - 1].outChannels;
    const lastOut = 6 * lastIn;
    this.features.append(new ConvNormActivation(lastIn, lastOut, 1, { normLayer, activationLayer: hardswish, generator: g }));
    this.registerModule('avgpool', this.avgpool);
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        new Linear(lastOut, lastChannel, { generator: g }),
        new Hardswish(),
        new Dropout(dropout, g),
        new Linear(lastChannel, numClasses, { generator: g }),
      ),
    );
    initializeMobileNet(this, g);
  }

  override get typeName(): string {
    return 'MobileNetV3';
  }
}

// --- builders and weights ---------------------------------------------------------------------

export const mobilenetNames = ['mobilenet_v2', 'mobilenet_v3_small', 'mobilenet_v3_large'] as const;
export type MobileNetName = (typeof mobilenetNames)[number];

/** torchvision's pretrained weights for each builder (data only; load with `@convkit/weights`). */
export const mobilenetWeights = catalog as unknown as Record<MobileNetName, WeightsEntry[]>;

function checkCommon(name: MobileNetName, options: { widthMult?: number; dropout?: number }): void {
  if (options.widthMult !== undefined) checkWidth(name, options.widthMult);
  if (options.dropout !== undefined) checkDropout(name, options.dropout);
}

/** torchvision's `mobilenet_v2` (3,504,872 parameters). */
export function mobilenet_v2(options: MobileNetV2Options = {}): MobileNetV2 {
  checkCommon('mobilenet_v2', options);
  return new MobileNetV2(options);
}

function buildV3(arch: MobileNetV3Arch, options: MobileNetV3Options): MobileNetV3 {
  checkCommon(arch, options);
  const { widthMult, reducedTail, dilated, ...rest } = options;
  const { setting, lastChannel } = mobilenetV3Config(arch, { widthMult, reducedTail, dilated });
  return new MobileNetV3(setting, lastChannel, rest);
}

/** torchvision's `mobilenet_v3_small` (2,542,856 parameters). */
export const mobilenet_v3_small = (options: MobileNetV3Options = {}) => buildV3('mobilenet_v3_small', options);
/** torchvision's `mobilenet_v3_large` (5,483,032 parameters). */
export const mobilenet_v3_large = (options: MobileNetV3Options = {}) => buildV3('mobilenet_v3_large', options);
