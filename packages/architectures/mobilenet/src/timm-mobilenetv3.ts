import * as tf from '@tensorflow/tfjs-core';
import {
  type ActivationName,
  type ClassifierOptions,
  flatten,
  type Generator,
  ImageClassifier,
  init,
  Module,
  OptionError,
  toGenerator,
  UnknownNameError,
} from '@convkit/core';
import { AdaptiveAvgPool2d, Conv2d, type ConvUnit, convNormAct, initializeModel, Linear, runUnit, Sequential } from '@convkit/layers';
import { BatchNorm2d, type BatchNorm2dOptions, Dropout } from '@convkit/regularization';
import { InvertedResidual, type MobileNetV3Arch, mobilenetV3Config } from './mobilenet';
import { timmCatalogEntries } from './timm-catalog';

/** A `TimmConvBnAct`'s conv: kernel (default 1), stride (default 1) and activation (default Hardswish). */
export interface TimmConvBnActOptions {
  kernel?: number;
  stride?: number;
  activation?: ActivationName;
}

/**
 * timm's `ConvBnAct` block (the last stage, `blocks.6.0` of the large model): 1×1 `conv` → `bn1`
 * → Hardswish; MobileNetV4's `cn` blocks are k×k (padding ⌊k/2⌋), possibly strided, with ReLU.
 */
export class TimmConvBnAct extends Module {
  readonly unit: ConvUnit;

  constructor(
    inChannels: number,
    outChannels: number,
    normLayer: (c: number) => BatchNorm2d,
    g: Generator,
    { kernel = 1, stride = 1, activation = 'hardswish' }: TimmConvBnActOptions = {},
  ) {
    super();
    const padding = Math.floor((kernel - 1) / 2);
    this.unit = {
      conv: this.registerModule('conv', new Conv2d(inChannels, outChannels, kernel, { stride, padding, bias: false, generator: g })),
      norm: this.registerModule('bn1', normLayer(outChannels)),
      activation,
    };
  }

  override get typeName(): string {
    return 'ConvBnAct';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return runUnit(x, this.unit);
  }
}

/**
 * timm's `_init_weight_goog` (its MobileNetV3s and V4s): convs N(0, 2 / fan_out) with fan_out =
 * k·k·out / groups, zero biases, BN γ=1 β=0, Linear weights ([in, out] here) U(±1/√out_features).
 */
export function initializeTimmMobileNet(model: Module, g: Generator): void {
  const linear = (shape: number[]) => init.uniform(shape, -1 / Math.sqrt(shape[1]), 1 / Math.sqrt(shape[1]), g);
  initializeModel(model, { linear, zeroBias: true }, g);
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof Conv2d)) continue;
    const [kh, kw, , out] = m.weight.shape;
    const w = init.kaimingNormal(m.weight.shape, (kh * kw * out) / m.options.groups, g);
    m.weight.assign(w);
    w.dispose();
    if (m.bias) {
      const zero = tf.zerosLike(m.bias);
      m.bias.assign(zero);
      zero.dispose();
    }
  }
}

export interface TimmMobileNetV3Options extends ClassifierOptions {
  /** Dropout before the classifier (timm's `drop_rate`, default 0). */
  dropout?: number;
  /** BatchNorm eps/momentum (PyTorch convention; timm's MobileNetV3s use PyTorch's defaults). */
  batchNorm?: BatchNorm2dOptions;
}

/** How timm groups torchvision's blocks into stages (`blocks.{stage}.{block}`), and its head width. */
const stageSizes: Record<MobileNetV3Arch, { stages: number[]; headChannels: number }> = {
  mobilenet_v3_large: { stages: [1, 2, 3, 4, 2, 3], headChannels: 1280 },
  mobilenet_v3_small: { stages: [1, 2, 3, 2, 3], headChannels: 1024 },
};

/**
 * timm's `MobileNetV3`: `conv_stem`, `bn1` (Hardswish), `blocks.{stage}.{block}` — the same
 * inverted residual blocks as torchvision's model under timm's names, then a `ConvBnAct` to 6×
 * the last width — and a head that pools first: global average → `conv_head` (1×1 conv with a
 * bias, no norm) → Hardswish → flatten → dropout → `classifier`. Assigning
 * `model.classifier = new Linear(…)` replaces the head, as in PyTorch.
 */
export class TimmMobileNetV3 extends ImageClassifier {
  readonly classifierPath = 'classifier';
  readonly blocks: Sequential;
  /** Channels of `forwardFeatures`' output (timm's `num_features`: 960 large, 576 small). */
  readonly numFeatures: number;
  /** Channels entering the classifier (timm's `head_hidden_size`: 1280 large, 1024 small). */
  readonly headHiddenSize: number;
  private readonly stem: ConvUnit;
  private readonly convHead: Conv2d;
  private readonly globalPool = new AdaptiveAvgPool2d(1);
  private readonly dropout: Dropout;

  constructor(arch: MobileNetV3Arch, options: TimmMobileNetV3Options = {}) {
    super();
    const { numClasses = 1000, dropout = 0, batchNorm = {} } = options;
    if (!(dropout >= 0 && dropout <= 1)) throw new OptionError('TimmMobileNetV3', `dropout must be in [0, 1], got ${dropout}`);
    const g = toGenerator(options.seed);
    const normLayer = (c: number) => new BatchNorm2d(c, batchNorm);
    const { setting } = mobilenetV3Config(arch);
    const { stages, headChannels } = stageSizes[arch];
    const stemChannels = setting[0].inputChannels;
    this.stem = {
      conv: this.registerModule('conv_stem', new Conv2d(3, stemChannels, 3, { stride: 2, padding: 1, bias: false, generator: g })),
      norm: this.registerModule('bn1', normLayer(stemChannels)),
      activation: 'hardswish',
    };
    this.blocks = this.registerModule('blocks', new Sequential());
    let row = 0;
    for (const n of stages) {
      const stage = new Sequential();
      for (let i = 0; i < n; i++) stage.append(new InvertedResidual(setting[row++], normLayer, g, 'timm'));
      this.blocks.append(stage);
    }
    const lastIn = setting[setting.length - 1].outChannels;
    this.numFeatures = 6 * lastIn;
    this.headHiddenSize = headChannels;
    this.blocks.append(new Sequential(new TimmConvBnAct(lastIn, this.numFeatures, normLayer, g)));
    this.registerModule('global_pool', this.globalPool);
    this.convHead = this.registerModule('conv_head', new Conv2d(this.numFeatures, headChannels, 1, { bias: true, generator: g }));
    this.dropout = this.registerModule('dropout', new Dropout(dropout, g));
    this.registerModule('classifier', new Linear(headChannels, numClasses, { generator: g }));
    initializeTimmMobileNet(this, g);
  }

  override get typeName(): string {
    return 'TimmMobileNetV3';
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
    return tf.tidy(() => this.blocks.forward(runUnit(x, this.stem)));
  }

  forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const hidden = convNormAct(this.globalPool.forward(features), this.convHead, null, 'hardswish');
      return this.classifier.forward(this.dropout.forward(flatten(hidden)));
    });
  }

  resetClassifier(numClasses: number, seed?: number | Generator): void {
    this.classifier = new Linear(this.headHiddenSize, numClasses, { generator: seed });
  }
}

// --- builders and weights ---------------------------------------------------------------------

const configs = {
  mobilenetv3_large_100: 'mobilenet_v3_large',
  mobilenetv3_small_100: 'mobilenet_v3_small',
} as const satisfies Record<string, MobileNetV3Arch>;

export type TimmMobileNetV3Name = keyof typeof configs;
/** timm's own names; `createModel` takes them as `timm/<name>`. */
export const timmMobilenetv3Names = Object.keys(configs) as TimmMobileNetV3Name[];

/** timm's pretrained weights per model (hub ids, files, eval transforms). */
export const timmMobilenetv3Weights = /* @__PURE__ */ timmCatalogEntries(timmMobilenetv3Names);

/** Builds timm's MobileNetV3 of that name: `timmMobilenetv3('mobilenetv3_large_100', { numClasses: 10 })`. */
export function timmMobilenetv3(name: TimmMobileNetV3Name, options: TimmMobileNetV3Options = {}): TimmMobileNetV3 {
  const arch = Object.hasOwn(configs, name) ? configs[name] : undefined;
  if (!arch) throw new UnknownNameError('timmMobilenetv3', name, timmMobilenetv3Names);
  if (options.dropout !== undefined && !(options.dropout >= 0 && options.dropout <= 1)) {
    throw new OptionError(name, `dropout must be in [0, 1], got ${options.dropout}`);
  }
  return new TimmMobileNetV3(arch, options);
}
