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
import {
  AdaptiveAvgPool2d,
  ConvNormActivation,
  initializeModel,
  Linear,
  ReLU,
  runUnit,
  SqueezeExcitation,
  torchvisionUnit,
} from '@convkit/layers';
import { type BlockParams, blockParamsFromDesign, type RegNetDesign } from './block-params';
import catalog from './weights-catalog.json';

// --- blocks -----------------------------------------------------------------------------------

/** torchvision's `BottleneckTransform`: 1×1 `a` → grouped 3×3 `b` (the stride) [→ `se`] → 1×1 `c` (no activation). */
export class BottleneckTransform extends Module {
  readonly a: ConvNormActivation;
  readonly b: ConvNormActivation;
  readonly se: SqueezeExcitation | null = null;
  readonly c: ConvNormActivation;

  constructor(
    widthIn: number,
    widthOut: number,
    stride: number,
    groupWidth: number,
    bottleneckMultiplier: number,
    seRatio?: number,
    g?: Generator,
  ) {
    super();
    const wB = Math.round(widthOut * bottleneckMultiplier);
    this.a = this.registerModule('a', new ConvNormActivation(widthIn, wB, 1, { generator: g }));
    this.b = this.registerModule('b', new ConvNormActivation(wB, wB, 3, { stride, groups: Math.floor(wB / groupWidth), generator: g }));
    // The SE width is relative to the block's input, not the bottleneck.
    if (seRatio) this.se = this.registerModule('se', new SqueezeExcitation(wB, Math.round(seRatio * widthIn), { generator: g }));
    this.c = this.registerModule('c', new ConvNormActivation(wB, widthOut, 1, { activationLayer: null, generator: g }));
  }

  override get typeName(): string {
    return 'BottleneckTransform';
  }

  /** The transform; `residual` is added before the block's ReLU, fused into `c`'s conv in evaluation. */
  run(x: tf.Tensor, residual: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = runUnit(runUnit(x, torchvisionUnit(this.a, 'relu')), torchvisionUnit(this.b, 'relu'));
      if (this.se) y = this.se.forward(y);
      return runUnit(y, torchvisionUnit(this.c, 'relu'), residual);
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = this.b.forward(this.a.forward(x));
      if (this.se) y = this.se.forward(y);
      return this.c.forward(y);
    });
  }
}

/** torchvision's `ResBottleneckBlock`: relu(proj(x) + f(x)), `proj` a 1×1 conv + BN when the shape changes. */
export class ResBottleneckBlock extends Module {
  readonly proj: ConvNormActivation | null = null;
  readonly f: BottleneckTransform;

  constructor(
    widthIn: number,
    widthOut: number,
    stride: number,
    groupWidth: number,
    bottleneckMultiplier: number,
    seRatio?: number,
    g?: Generator,
  ) {
    super();
    if (widthIn !== widthOut || stride !== 1) {
      this.proj = this.registerModule(
        'proj',
        new ConvNormActivation(widthIn, widthOut, 1, { stride, activationLayer: null, generator: g }),
      );
    }
    this.f = this.registerModule('f', new BottleneckTransform(widthIn, widthOut, stride, groupWidth, bottleneckMultiplier, seRatio, g));
    this.registerModule('activation', new ReLU());
  }

  override get typeName(): string {
    return 'ResBottleneckBlock';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.f.run(x, this.proj ? this.proj.forward(x) : x));
  }
}

/** `nn.Sequential(OrderedDict(...))`: named children run in order. */
export class NamedSequence extends Module {
  override get typeName(): string {
    return 'Sequential';
  }

  add(name: string, module: Module): this {
    this.registerModule(name, module);
    return this;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.children().reduce((y, m) => m.forward(y), x));
  }
}

/** torchvision's `AnyStage`: blocks named `block{stage}-{i}`, the first one strided. */
export class AnyStage extends NamedSequence {
  constructor(widthIn: number, widthOut: number, stride: number, depth: number, params: BlockParams, stage: number, g?: Generator) {
    super();
    const i = stage - 1;
    for (let b = 0; b < depth; b++) {
      const block = new ResBottleneckBlock(
        b === 0 ? widthIn : widthOut,
        widthOut,
        b === 0 ? stride : 1,
        params.groupWidths[i],
        params.bottleneckMultipliers[i],
        params.seRatio,
        g,
      );
      this.add(`block${stage}-${b}`, block);
    }
  }

  override get typeName(): string {
    return 'AnyStage';
  }
}

// --- the model --------------------------------------------------------------------------------

export interface RegNetOptions extends ClassifierOptions {
  /** Stem width (default 32). */
  stemWidth?: number;
}

function checkOptions(where: string, { numClasses, stemWidth }: RegNetOptions): void {
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new OptionError(where, `numClasses must be a positive integer, got ${numClasses}`);
  }
  if (stemWidth !== undefined && !(Number.isInteger(stemWidth) && stemWidth >= 1)) {
    throw new OptionError(where, `stemWidth must be a positive integer, got ${stemWidth}`);
  }
}

/** torchvision's Linear init here: N(0, 0.01) weights, zero bias. */
function newFc(inFeatures: number, numClasses: number, g?: Generator): Linear {
  const fc = new Linear(inFeatures, numClasses, { generator: g });
  tf.tidy(() => {
    fc.weight.assign(init.normal(fc.weight.shape, 0, 0.01, g));
    fc.bias?.assign(tf.zerosLike(fc.bias));
  });
  return fc;
}

/**
 * RegNet: `stem` (3×3/2 conv → BN → ReLU, 32 channels), `trunk_output` (four `AnyStage`s, each
 * halving the size), global average and `fc`. Convs get torchvision's N(0, 2/fanOut) init.
 */
export class RegNet extends ImageClassifier {
  readonly classifierPath = 'fc';
  readonly blockParams: BlockParams;
  readonly stem: ConvNormActivation;
  readonly trunkOutput: NamedSequence;
  readonly avgpool = new AdaptiveAvgPool2d(1);

  constructor(params: BlockParams | RegNetDesign, options: RegNetOptions = {}) {
    super();
    checkOptions('RegNet', options);
    const { numClasses = 1000, stemWidth = 32 } = options;
    const g = toGenerator(options.seed);
    this.blockParams = 'depth' in params ? blockParamsFromDesign(params) : params;
    this.stem = this.registerModule('stem', new ConvNormActivation(3, stemWidth, 3, { stride: 2, generator: g }));
    const trunk = new NamedSequence();
    let width = stemWidth;
    this.blockParams.widths.forEach((out, i) => {
      trunk.add(
        `block${i + 1}`,
        new AnyStage(width, out, this.blockParams.strides[i], this.blockParams.depths[i], this.blockParams, i + 1, g),
      );
      width = out;
    });
    this.trunkOutput = this.registerModule('trunk_output', trunk);
    this.registerModule('avgpool', this.avgpool);
    initializeModel(this, { conv: 'kaimingFanOut' }, g);
    this.registerModule('fc', newFc(width, numClasses, g));
  }

  override get typeName(): string {
    return 'RegNet';
  }

  get fc(): Linear {
    return this.getModule('fc') as Linear;
  }

  get numClasses(): number {
    return this.fc.outFeatures;
  }

  /** The last stage's map, `[N,H/32,W/32,C]` (7×7×440 for regnet_y_400mf at 224). */
  forwardFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.trunkOutput.forward(this.stem.forward(x)));
  }

  forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc.forward(flatten(this.avgpool.forward(features))));
  }

  /** A new `fc`, initialised as torchvision's: N(0, 0.01), zero bias. */
  resetClassifier(numClasses: number, seed?: number | Generator): void {
    this.setModule('fc', newFc(this.fc.inFeatures, numClasses, toGenerator(seed)));
  }
}

// --- builders and weights ---------------------------------------------------------------------

/** torchvision's design points (`BlockParams.from_init_params` arguments); Y adds SE with ratio 0.25. */
const y = (depth: number, w0: number, wa: number, wm: number, groupWidth: number): RegNetDesign => ({
  depth,
  w0,
  wa,
  wm,
  groupWidth,
  seRatio: 0.25,
});
const x = (depth: number, w0: number, wa: number, wm: number, groupWidth: number): RegNetDesign => ({ depth, w0, wa, wm, groupWidth });

export const regnetDesigns = {
  regnet_y_400mf: y(16, 48, 27.89, 2.09, 8),
  regnet_y_800mf: y(14, 56, 38.84, 2.4, 16),
  regnet_y_1_6gf: y(27, 48, 20.71, 2.65, 24),
  regnet_y_3_2gf: y(21, 80, 42.63, 2.66, 24),
  regnet_y_8gf: y(17, 192, 76.82, 2.19, 56),
  regnet_y_16gf: y(18, 200, 106.23, 2.48, 112),
  regnet_y_32gf: y(20, 232, 115.89, 2.53, 232),
  regnet_y_128gf: y(27, 456, 160.83, 2.52, 264),
  regnet_x_400mf: x(22, 24, 24.48, 2.54, 16),
  regnet_x_800mf: x(16, 56, 35.73, 2.28, 16),
  regnet_x_1_6gf: x(18, 80, 34.01, 2.25, 24),
  regnet_x_3_2gf: x(25, 88, 26.31, 2.25, 48),
  regnet_x_8gf: x(23, 80, 49.56, 2.88, 120),
  regnet_x_16gf: x(22, 216, 55.59, 2.1, 128),
  regnet_x_32gf: x(23, 320, 69.86, 2.0, 168),
} as const satisfies Record<string, RegNetDesign>;

export type RegNetName = keyof typeof regnetDesigns;
export const regnetNames = Object.keys(regnetDesigns) as RegNetName[];

/** torchvision's pretrained weights for each builder (data only; load with `@convkit/weights`). */
export const regnetWeights = catalog as unknown as Record<RegNetName, WeightsEntry[]>;

function build(name: RegNetName, options: RegNetOptions): RegNet {
  checkOptions(name, options);
  return new RegNet(regnetDesigns[name], options);
}

export const regnet_y_400mf = (options: RegNetOptions = {}) => build('regnet_y_400mf', options);
export const regnet_y_800mf = (options: RegNetOptions = {}) => build('regnet_y_800mf', options);
export const regnet_y_1_6gf = (options: RegNetOptions = {}) => build('regnet_y_1_6gf', options);
export const regnet_y_3_2gf = (options: RegNetOptions = {}) => build('regnet_y_3_2gf', options);
export const regnet_y_8gf = (options: RegNetOptions = {}) => build('regnet_y_8gf', options);
export const regnet_y_16gf = (options: RegNetOptions = {}) => build('regnet_y_16gf', options);
export const regnet_y_32gf = (options: RegNetOptions = {}) => build('regnet_y_32gf', options);
export const regnet_y_128gf = (options: RegNetOptions = {}) => build('regnet_y_128gf', options);
export const regnet_x_400mf = (options: RegNetOptions = {}) => build('regnet_x_400mf', options);
export const regnet_x_800mf = (options: RegNetOptions = {}) => build('regnet_x_800mf', options);
export const regnet_x_1_6gf = (options: RegNetOptions = {}) => build('regnet_x_1_6gf', options);
export const regnet_x_3_2gf = (options: RegNetOptions = {}) => build('regnet_x_3_2gf', options);
export const regnet_x_8gf = (options: RegNetOptions = {}) => build('regnet_x_8gf', options);
export const regnet_x_16gf = (options: RegNetOptions = {}) => build('regnet_x_16gf', options);
export const regnet_x_32gf = (options: RegNetOptions = {}) => build('regnet_x_32gf', options);
