import * as tf from '@tensorflow/tfjs-core';
import { type Generator, Module, OptionError } from '@convkit/core';
import { ConvNormActivation, type ConvUnit, runUnit, Sequential, SiLU, torchvisionUnit } from '@convkit/layers';
import { StochasticDepth } from '@convkit/regularization';
import {
  type BlockConfig,
  type BlockFactory,
  EfficientNet,
  type EfficientNetOptions,
  type EfficientNetV2Name,
  type MBConvOptions,
  type MBConvStage,
  makeDivisible,
  type NormLayer,
} from './efficientnet';

// --- the block --------------------------------------------------------------------------------

/**
 * EfficientNetV2's fused MBConv: the expansion and the depthwise conv of MBConv fused into one
 * k×k conv with the stride (→ BatchNorm → SiLU), then a 1×1 projection, no squeeze-excitation;
 * with expand ratio 1 a single k×k conv → BatchNorm → SiLU. A residual with stochastic depth when
 * the shape is kept. torchvision's names: `block.0.0` (conv), `block.0.1` (norm), `block.1.0`, ….
 */
export class FusedMBConv extends Module {
  override get typeName(): string {
    return 'FusedMBConv';
  }

  readonly stochasticDepth: StochasticDepth;
  readonly useResConnect: boolean;
  /** The convolutions in order (one or two). */
  readonly units: ConvUnit[];

  constructor(cnf: BlockConfig, stochasticDepthProb: number, normLayer: NormLayer, g: Generator) {
    super();
    if (cnf.stride !== 1 && cnf.stride !== 2) throw new OptionError('FusedMBConv', `stride must be 1 or 2, got ${cnf.stride}`);
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const expanded = makeDivisible(cnf.inputChannels * cnf.expandRatio);
    const silu = () => new SiLU();
    const kxk = (outC: number) =>
      new ConvNormActivation(cnf.inputChannels, outC, cnf.kernel, { stride: cnf.stride, normLayer, activationLayer: silu, generator: g });
    const layers =
      expanded !== cnf.inputChannels
        ? [kxk(expanded), new ConvNormActivation(expanded, cnf.outChannels, 1, { normLayer, activationLayer: null, generator: g })]
        : [kxk(cnf.outChannels)];
    this.registerModule('block', new Sequential(...layers));
    this.units = layers.map((cna, i) => torchvisionUnit(cna, layers.length === 2 && i === 1 ? 'linear' : 'silu'));
    this.stochasticDepth = this.registerModule('stochastic_depth', new StochasticDepth(stochasticDepthProb, 'row', g));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const last = this.units[this.units.length - 1];
      let y = x;
      for (const unit of this.units.slice(0, -1)) y = runUnit(y, unit);
      if (!this.useResConnect) return runUnit(y, last);
      // In evaluation the residual add fuses into a linear projection (stochastic depth is the
      // identity); after a SiLU it is its own add, as in torchvision.
      if (!this.training && last.activation === 'linear') return runUnit(y, last, x);
      return tf.add(this.stochasticDepth.forward(runUnit(y, last)), x);
    });
  }
}

/** Builds FusedMBConv blocks for a stage (`MBConvStage.block`); torchvision's names only. */
export const fusedMBConvBlock: BlockFactory = (cnf, p, normLayer, g, options: MBConvOptions) => {
  if (options.naming === 'timm' || options.padding) {
    throw new OptionError('FusedMBConv', `only torchvision's naming and symmetric padding are supported, got ${JSON.stringify(options)}`);
  }
  return new FusedMBConv(cnf, p, normLayer, g);
};

// --- configurations ---------------------------------------------------------------------------

type Row = readonly ['fused' | 'mbconv', number, number, number, number, number, number];

/**
 * torchvision's `_efficientnet_conf` for V2: block, expand ratio, kernel, stride, in, out,
 * layers; the variant's classifier dropout. All use BatchNorm eps 1e-3 and a last conv of 1280.
 */
const v2Configs: Record<EfficientNetV2Name, { rows: Row[]; dropout: number }> = {
  efficientnet_v2_s: {
    rows: [
      ['fused', 1, 3, 1, 24, 24, 2],
      ['fused', 4, 3, 2, 24, 48, 4],
      ['fused', 4, 3, 2, 48, 64, 4],
      ['mbconv', 4, 3, 2, 64, 128, 6],
      ['mbconv', 6, 3, 1, 128, 160, 9],
      ['mbconv', 6, 3, 2, 160, 256, 15],
    ],
    dropout: 0.2,
  },
  efficientnet_v2_m: {
    rows: [
      ['fused', 1, 3, 1, 24, 24, 3],
      ['fused', 4, 3, 2, 24, 48, 5],
      ['fused', 4, 3, 2, 48, 80, 5],
      ['mbconv', 4, 3, 2, 80, 160, 7],
      ['mbconv', 6, 3, 1, 160, 176, 14],
      ['mbconv', 6, 3, 2, 176, 304, 18],
      ['mbconv', 6, 3, 1, 304, 512, 5],
    ],
    dropout: 0.3,
  },
  efficientnet_v2_l: {
    rows: [
      ['fused', 1, 3, 1, 32, 32, 4],
      ['fused', 4, 3, 2, 32, 64, 7],
      ['fused', 4, 3, 2, 64, 96, 7],
      ['mbconv', 4, 3, 2, 96, 192, 10],
      ['mbconv', 6, 3, 1, 192, 224, 19],
      ['mbconv', 6, 3, 2, 224, 384, 25],
      ['mbconv', 6, 3, 1, 384, 640, 7],
    ],
    dropout: 0.4,
  },
};

/** The stages of an EfficientNetV2 variant: FusedMBConv stages, then MBConv stages. */
export function efficientnetV2Stages(name: EfficientNetV2Name): MBConvStage[] {
  const config = v2Configs[name];
  if (!config) throw new OptionError('efficientnetV2Stages', `name must be one of ${Object.keys(v2Configs).join(', ')}, got ${name}`);
  return config.rows.map(([block, expandRatio, kernel, stride, inC, outC, numLayers]) => ({
    expandRatio,
    kernel,
    stride,
    inputChannels: makeDivisible(inC),
    outChannels: makeDivisible(outC),
    numLayers,
    ...(block === 'fused' ? { block: fusedMBConvBlock } : {}),
  }));
}

// --- builders ---------------------------------------------------------------------------------

function buildV2(name: EfficientNetV2Name, options: EfficientNetOptions): EfficientNet {
  const { numClasses, dropout, stochasticDepthProb } = options;
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new OptionError(name, `numClasses must be a positive integer, got ${numClasses}`);
  }
  if (dropout !== undefined && !(dropout >= 0 && dropout <= 1)) throw new OptionError(name, `dropout must be in [0, 1], got ${dropout}`);
  if (stochasticDepthProb !== undefined && !(stochasticDepthProb >= 0 && stochasticDepthProb <= 1)) {
    throw new OptionError(name, `stochasticDepthProb must be in [0, 1], got ${stochasticDepthProb}`);
  }
  return new EfficientNet(efficientnetV2Stages(name), {
    dropout: v2Configs[name].dropout,
    batchNorm: { eps: 1e-3 },
    lastChannel: 1280,
    ...options,
  });
}

/** EfficientNetV2-S (21.5 M parameters; trained at 384×384). */
export const efficientnet_v2_s = (options: EfficientNetOptions = {}) => buildV2('efficientnet_v2_s', options);
/** EfficientNetV2-M (54.1 M parameters; trained at 480×480). */
export const efficientnet_v2_m = (options: EfficientNetOptions = {}) => buildV2('efficientnet_v2_m', options);
/** EfficientNetV2-L (118.5 M parameters; 480×480, normalised with mean and std 0.5). */
export const efficientnet_v2_l = (options: EfficientNetOptions = {}) => buildV2('efficientnet_v2_l', options);
