import * as tf from '@tensorflow/tfjs-core';
import {
  type ActivationName,
  type ClassifierOptions,
  flatten,
  type Generator,
  ImageClassifier,
  Module,
  makeDivisible,
  OptionError,
  toGenerator,
  UnknownNameError,
} from '@convkit/core';
import { AdaptiveAvgPool2d, Conv2d, type ConvUnit, convNormAct, Linear, runUnit, Sequential } from '@convkit/layers';
import { BatchNorm2d, type BatchNorm2dOptions, Dropout } from '@convkit/regularization';
import { initializeTimmMobileNet, TimmConvBnAct } from './timm-mobilenetv3';
import { timmCatalogEntries } from './timm-catalog';

type NormLayer = (channels: number) => BatchNorm2d;

/** PyTorch's symmetric padding for an odd kernel (timm's `get_padding` with its default `pad_type=''`). */
const same = (kernel: number) => Math.floor((kernel - 1) / 2);

/** timm's `ConvNormAct`: `conv` (no bias) → `bn` → activation (`'linear'` for none). */
export class TimmConvNormAct extends Module {
  readonly unit: ConvUnit;

  constructor(
    inChannels: number,
    outChannels: number,
    kernel: number,
    { stride = 1, groups = 1, activation }: { stride?: number; groups?: number; activation: ActivationName },
    normLayer: NormLayer,
    g: Generator,
  ) {
    super();
    this.unit = {
      conv: this.registerModule(
        'conv',
        new Conv2d(inChannels, outChannels, kernel, { stride, padding: same(kernel), groups, bias: false, generator: g }),
      ),
      norm: this.registerModule('bn', normLayer(outChannels)),
      activation,
    };
  }

  override get typeName(): string {
    return 'ConvNormAct';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return runUnit(x, this.unit);
  }
}

/** One `uir` block of timm's arch strings (`uir_r1_a3_k5_s2_e4_c80`), channels already known. */
export interface UniversalInvertedResidualConfig {
  inChannels: number;
  outChannels: number;
  /** `a`: the depthwise kernel before the expansion (0: none). */
  startKernel: number;
  /** `k`: the depthwise kernel after the expansion (0: none). */
  midKernel: number;
  stride: number;
  /** `e`: expanded width = `make_divisible(inChannels · expandRatio, 8)`. */
  expandRatio: number;
  activation: ActivationName;
}

/**
 * timm's `UniversalInvertedResidual` (MobileNetV4's UIB): optional depthwise `dw_start` (no
 * activation; strided when there is no `dw_mid`) → 1×1 `pw_exp` → optional depthwise `dw_mid`
 * (strided) → 1×1 linear `pw_proj`, plus the input when the stride is 1 and the width kept. With
 * both depthwise convs it is MobileNetV4's "ExtraDW", with `dw_mid` only an inverted residual,
 * with `dw_start` only "ConvNeXt"-like, with neither an FFN. The conv variants have no layer scale.
 */
export class UniversalInvertedResidual extends Module {
  readonly hasSkip: boolean;
  readonly dwStart: TimmConvNormAct | null;
  readonly pwExp: TimmConvNormAct;
  readonly dwMid: TimmConvNormAct | null;
  readonly pwProj: TimmConvNormAct;

  constructor(cfg: UniversalInvertedResidualConfig, normLayer: NormLayer, g: Generator) {
    super();
    const { inChannels: inC, outChannels: outC, startKernel, midKernel, stride, expandRatio, activation } = cfg;
    if (stride !== 1 && stride !== 2) throw new OptionError('UniversalInvertedResidual', `stride must be 1 or 2, got ${stride}`);
    if (stride > 1 && !startKernel && !midKernel) {
      throw new OptionError('UniversalInvertedResidual', 'a strided block needs a depthwise conv (startKernel or midKernel)');
    }
    this.hasSkip = inC === outC && stride === 1;
    const mid = makeDivisible(inC * expandRatio, 8);
    const unit = (
      name: string,
      i: number,
      o: number,
      k: number,
      options: { stride?: number; groups?: number; activation: ActivationName },
    ) => this.registerModule(name, new TimmConvNormAct(i, o, k, options, normLayer, g));
    this.dwStart = startKernel
      ? unit('dw_start', inC, inC, startKernel, { stride: midKernel ? 1 : stride, groups: inC, activation: 'linear' })
      : null;
    this.pwExp = unit('pw_exp', inC, mid, 1, { activation });
    this.dwMid = midKernel ? unit('dw_mid', mid, mid, midKernel, { stride, groups: mid, activation }) : null;
    this.pwProj = unit('pw_proj', mid, outC, 1, { activation: 'linear' });
  }

  override get typeName(): string {
    return 'UniversalInvertedResidual';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = this.dwStart ? this.dwStart.forward(x) : x;
      y = this.pwExp.forward(y);
      if (this.dwMid) y = this.dwMid.forward(y);
      // In evaluation the residual add fuses into the projection conv.
      return runUnit(y, this.pwProj.unit, this.hasSkip ? x : null);
    });
  }
}

/**
 * timm's `EdgeResidual` (MobileNetV4's FusedIB): k×k `conv_exp` → `bn1` (activation) → 1×1
 * `conv_pwl` → `bn2`, plus the input when the stride is 1 and the width kept.
 */
export class TimmEdgeResidual extends Module {
  readonly hasSkip: boolean;
  readonly units: [ConvUnit, ConvUnit];

  constructor(
    inChannels: number,
    outChannels: number,
    { kernel, stride, expandRatio, activation }: { kernel: number; stride: number; expandRatio: number; activation: ActivationName },
    normLayer: NormLayer,
    g: Generator,
  ) {
    super();
    this.hasSkip = inChannels === outChannels && stride === 1;
    const mid = makeDivisible(inChannels * expandRatio, 8);
    const exp: ConvUnit = {
      conv: this.registerModule(
        'conv_exp',
        new Conv2d(inChannels, mid, kernel, { stride, padding: same(kernel), bias: false, generator: g }),
      ),
      norm: this.registerModule('bn1', normLayer(mid)),
      activation,
    };
    const pwl: ConvUnit = {
      conv: this.registerModule('conv_pwl', new Conv2d(mid, outChannels, 1, { bias: false, generator: g })),
      norm: this.registerModule('bn2', normLayer(outChannels)),
      activation: 'linear',
    };
    this.units = [exp, pwl];
  }

  override get typeName(): string {
    return 'EdgeResidual';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => runUnit(runUnit(x, this.units[0]), this.units[1], this.hasSkip ? x : null));
  }
}

// --- timm's arch strings ------------------------------------------------------------------------

/** One decoded arch string: block type, repeats and its options (`k`, `a`, `s`, `e`, `c`). */
interface BlockString {
  type: 'cn' | 'er' | 'uir';
  repeats: number;
  out: number;
  stride: number;
  kernel: number;
  startKernel: number;
  expandRatio: number;
}

/** timm's `_decode_block_str` for the block types MobileNetV4's conv models use. */
function decodeBlock(spec: string): BlockString {
  const [type, ...ops] = spec.split('_');
  if (type !== 'cn' && type !== 'er' && type !== 'uir') throw new OptionError('timmMobilenetv4', `unsupported block '${spec}'`);
  const o: Record<string, number> = {};
  for (const op of ops) {
    const m = /^([a-z]+)([\d.]+)$/.exec(op);
    if (!m) throw new OptionError('timmMobilenetv4', `bad block option '${op}' in '${spec}'`);
    o[m[1]] = Number(m[2]);
  }
  return {
    type,
    repeats: o.r,
    out: o.c,
    stride: o.s,
    kernel: o.k,
    // timm: `a` defaults to 1 (a 1×1 depthwise start); every MobileNetV4 string sets it.
    startKernel: o.a ?? 1,
    expandRatio: o.e ?? 1,
  };
}

/** timm's `_gen_mobilenet_v4` arch_defs (conv variants), verbatim: one list of strings per stage. */
const archDefs = {
  mobilenetv4_conv_small: [
    ['cn_r1_k3_s2_e1_c32', 'cn_r1_k1_s1_e1_c32'],
    ['cn_r1_k3_s2_e1_c96', 'cn_r1_k1_s1_e1_c64'],
    ['uir_r1_a5_k5_s2_e3_c96', 'uir_r4_a0_k3_s1_e2_c96', 'uir_r1_a3_k0_s1_e4_c96'],
    ['uir_r1_a3_k3_s2_e6_c128', 'uir_r1_a5_k5_s1_e4_c128', 'uir_r1_a0_k5_s1_e4_c128', 'uir_r1_a0_k5_s1_e3_c128', 'uir_r2_a0_k3_s1_e4_c128'],
    ['cn_r1_k1_s1_c960'],
  ],
  mobilenetv4_conv_medium: [
    ['er_r1_k3_s2_e4_c48'],
    ['uir_r1_a3_k5_s2_e4_c80', 'uir_r1_a3_k3_s1_e2_c80'],
    [
      'uir_r1_a3_k5_s2_e6_c160',
      'uir_r2_a3_k3_s1_e4_c160',
      'uir_r1_a3_k5_s1_e4_c160',
      'uir_r1_a3_k3_s1_e4_c160',
      'uir_r1_a3_k0_s1_e4_c160',
      'uir_r1_a0_k0_s1_e2_c160',
      'uir_r1_a3_k0_s1_e4_c160',
    ],
    [
      'uir_r1_a5_k5_s2_e6_c256',
      'uir_r1_a5_k5_s1_e4_c256',
      'uir_r2_a3_k5_s1_e4_c256',
      'uir_r1_a0_k0_s1_e4_c256',
      'uir_r1_a3_k0_s1_e4_c256',
      'uir_r1_a3_k5_s1_e2_c256',
      'uir_r1_a5_k5_s1_e4_c256',
      'uir_r2_a0_k0_s1_e4_c256',
      'uir_r1_a5_k0_s1_e2_c256',
    ],
    ['cn_r1_k1_s1_c960'],
  ],
} as const satisfies Record<string, readonly (readonly string[])[]>;

export type TimmMobileNetV4Name = keyof typeof archDefs;
/** timm's own names; `createModel` takes them as `timm/<name>`. */
export const timmMobilenetv4Names = Object.keys(archDefs) as TimmMobileNetV4Name[];

export interface TimmMobileNetV4Options extends ClassifierOptions {
  /** Dropout before the classifier (timm's `drop_rate`, default 0). */
  dropout?: number;
  /** BatchNorm eps/momentum (PyTorch convention; timm's MobileNetV4s use PyTorch's defaults). */
  batchNorm?: BatchNorm2dOptions;
}

/**
 * timm's MobileNetV4 conv models (timm's `MobileNetV3` class with `_gen_mobilenet_v4`'s arch):
 * `conv_stem` (3×3, stride 2, 32 channels), `bn1` (ReLU), `blocks.{stage}.{block}` of `ConvBnAct`,
 * `EdgeResidual` and `UniversalInvertedResidual` blocks ending in a 1×1 `ConvBnAct` to 960, and a
 * head that pools first: global average → `conv_head` (1×1 to 1280, no bias) → `norm_head`
 * (BatchNorm, ReLU) → flatten → dropout → `classifier`. Assigning `model.classifier = new Linear(…)`
 * replaces the head, as in PyTorch.
 */
export class TimmMobileNetV4 extends ImageClassifier {
  readonly classifierPath = 'classifier';
  readonly blocks: Sequential;
  /** Channels of `forwardFeatures`' output (timm's `num_features`: 960). */
  readonly numFeatures: number;
  /** Channels entering the classifier (timm's `head_hidden_size`: 1280). */
  readonly headHiddenSize = 1280;
  private readonly stem: ConvUnit;
  private readonly head: ConvUnit;
  private readonly globalPool = new AdaptiveAvgPool2d(1);
  private readonly dropout: Dropout;

  constructor(arch: readonly (readonly string[])[], options: TimmMobileNetV4Options = {}) {
    super();
    const { numClasses = 1000, dropout = 0, batchNorm = {} } = options;
    if (!(dropout >= 0 && dropout <= 1)) throw new OptionError('TimmMobileNetV4', `dropout must be in [0, 1], got ${dropout}`);
    const g = toGenerator(options.seed);
    const normLayer: NormLayer = (c) => new BatchNorm2d(c, batchNorm);
    const activation: ActivationName = 'relu';
    const stemChannels = 32;
    this.stem = {
      conv: this.registerModule('conv_stem', new Conv2d(3, stemChannels, 3, { stride: 2, padding: 1, bias: false, generator: g })),
      norm: this.registerModule('bn1', normLayer(stemChannels)),
      activation,
    };
    this.blocks = this.registerModule('blocks', new Sequential());
    let inC = stemChannels;
    for (const strings of arch) {
      const stage = new Sequential();
      for (const spec of strings) {
        const b = decodeBlock(spec);
        for (let r = 0; r < b.repeats; r++) {
          // timm's builder: only a stage's first block keeps its stride.
          const stride = stage.length === 0 ? b.stride : 1;
          if (b.type === 'cn') stage.append(new TimmConvBnAct(inC, b.out, normLayer, g, { kernel: b.kernel, stride, activation }));
          else if (b.type === 'er') {
            stage.append(
              new TimmEdgeResidual(inC, b.out, { kernel: b.kernel, stride, expandRatio: b.expandRatio, activation }, normLayer, g),
            );
          } else {
            const cfg = {
              inChannels: inC,
              outChannels: b.out,
              startKernel: b.startKernel,
              midKernel: b.kernel,
              stride,
              expandRatio: b.expandRatio,
            };
            stage.append(new UniversalInvertedResidual({ ...cfg, activation }, normLayer, g));
          }
          inC = b.out;
        }
      }
      this.blocks.append(stage);
    }
    this.numFeatures = inC;
    this.registerModule('global_pool', this.globalPool);
    this.head = {
      conv: this.registerModule('conv_head', new Conv2d(inC, this.headHiddenSize, 1, { bias: false, generator: g })),
      norm: this.registerModule('norm_head', normLayer(this.headHiddenSize)),
      activation,
    };
    this.dropout = this.registerModule('dropout', new Dropout(dropout, g));
    this.registerModule('classifier', new Linear(this.headHiddenSize, numClasses, { generator: g }));
    initializeTimmMobileNet(this, g);
  }

  override get typeName(): string {
    return 'TimmMobileNetV4';
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
      const hidden = convNormAct(this.globalPool.forward(features), this.head.conv, this.head.norm, this.head.activation);
      return this.classifier.forward(this.dropout.forward(flatten(hidden)));
    });
  }

  resetClassifier(numClasses: number, seed?: number | Generator): void {
    this.classifier = new Linear(this.headHiddenSize, numClasses, { generator: seed });
  }
}

// --- builders and weights ---------------------------------------------------------------------

/** timm's pretrained weights per model (hub ids, files, eval transforms). */
export const timmMobilenetv4Weights = /* @__PURE__ */ timmCatalogEntries(timmMobilenetv4Names);

/** Builds timm's MobileNetV4 of that name: `timmMobilenetv4('mobilenetv4_conv_small', { numClasses: 10 })`. */
export function timmMobilenetv4(name: TimmMobileNetV4Name, options: TimmMobileNetV4Options = {}): TimmMobileNetV4 {
  const arch = Object.hasOwn(archDefs, name) ? archDefs[name] : undefined;
  if (!arch) throw new UnknownNameError('timmMobilenetv4', name, timmMobilenetv4Names);
  if (options.dropout !== undefined && !(options.dropout >= 0 && options.dropout <= 1)) {
    throw new OptionError(name, `dropout must be in [0, 1], got ${options.dropout}`);
  }
  return new TimmMobileNetV4(arch, options);
}
