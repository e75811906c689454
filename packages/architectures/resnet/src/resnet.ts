import * as tf from '@tensorflow/tfjs-core';
import {
  type ClassifierOptions,
  flatten,
  type Generator,
  ImageClassifier,
  Module,
  OptionError,
  toGenerator,
  type WeightsEntry,
} from '@convkit/core';
import { AdaptiveAvgPool2d, Conv2d, convNormAct, initializeModel, Linear, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d } from '@convkit/regularization';
import catalog from './weights-catalog.json';

// --- helpers ----------------------------------------------------------------------------------

const conv3x3 = (inC: number, outC: number, stride: number, groups: number, dilation: number, g: Generator) =>
  new Conv2d(inC, outC, 3, { stride, padding: dilation, groups, dilation, bias: false, generator: g });
const conv1x1 = (inC: number, outC: number, stride: number, g: Generator) =>
  new Conv2d(inC, outC, 1, { stride, bias: false, generator: g });

interface BlockArgs {
  inplanes: number;
  planes: number;
  stride: number;
  downsample: Sequential | null;
  groups: number;
  baseWidth: number;
  dilation: number;
  generator: Generator;
}

// --- blocks -----------------------------------------------------------------------------------

abstract class ResidualBlock extends Module {
  abstract readonly zeroInitNorm: BatchNorm2d;
  protected readonly relu = new ReLU();
  protected downsample: Sequential | null = null;

  /** relu(branch(x) + identity), the add and ReLU fused into the branch's last conv in evaluation. */
  protected abstract branch(x: tf.Tensor, identity: tf.Tensor): tf.Tensor;

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.branch(x, this.downsample ? this.downsample.forward(x) : x));
  }
}

/** Two 3×3 convs (ResNet18/34). */
export class BasicBlock extends ResidualBlock {
  override get typeName(): string {
    return 'BasicBlock';
  }

  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;

  constructor({ inplanes, planes, stride, downsample, groups, baseWidth, dilation, generator: g }: BlockArgs) {
    super();
    if (groups !== 1 || baseWidth !== 64)
      throw new OptionError('BasicBlock', `only supports groups=1 and widthPerGroup=64, got ${groups} and ${baseWidth}`);
    if (dilation > 1) throw new OptionError('BasicBlock', 'dilation > 1 is not supported (as in torchvision)');
    this.conv1 = this.registerModule('conv1', conv3x3(inplanes, planes, stride, 1, 1, g));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.registerModule('relu', this.relu);
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes, 1, 1, 1, g));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    if (downsample) this.downsample = this.registerModule('downsample', downsample);
  }

  get zeroInitNorm(): BatchNorm2d {
    return this.bn2;
  }

  protected branch(x: tf.Tensor, identity: tf.Tensor): tf.Tensor {
    return convNormAct(convNormAct(x, this.conv1, this.bn1, 'relu'), this.conv2, this.bn2, 'relu', identity);
  }
}

/** 1×1 → 3×3 (stride here: ResNet v1.5) → 1×1 with 4× expansion (ResNet50+, ResNeXt, Wide ResNet). */
export class Bottleneck extends ResidualBlock {
  override get typeName(): string {
    return 'Bottleneck';
  }

  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;

  constructor({ inplanes, planes, stride, downsample, groups, baseWidth, dilation, generator: g }: BlockArgs) {
    super();
    const width = Math.floor(planes * (baseWidth / 64)) * groups;
    this.conv1 = this.registerModule('conv1', conv1x1(inplanes, width, 1, g));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(width));
    this.conv2 = this.registerModule('conv2', conv3x3(width, width, stride, groups, dilation, g));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(width));
    this.conv3 = this.registerModule('conv3', conv1x1(width, planes * Bottleneck.expansion, 1, g));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(planes * Bottleneck.expansion));
    this.registerModule('relu', this.relu);
    if (downsample) this.downsample = this.registerModule('downsample', downsample);
  }

  get zeroInitNorm(): BatchNorm2d {
    return this.bn3;
  }

  protected branch(x: tf.Tensor, identity: tf.Tensor): tf.Tensor {
    const y = convNormAct(convNormAct(x, this.conv1, this.bn1, 'relu'), this.conv2, this.bn2, 'relu');
    return convNormAct(y, this.conv3, this.bn3, 'relu', identity);
  }
}

type BlockType = typeof BasicBlock | typeof Bottleneck;

// --- the model --------------------------------------------------------------------------------

export interface ResNetOptions extends ClassifierOptions {
  /** Zero γ of each block's last BN so every residual branch starts as the identity. */
  zeroInitResidual?: boolean;
  groups?: number;
  widthPerGroup?: number;
  /** Dilate instead of striding in layer2..4 (for dense prediction). */
  replaceStrideWithDilation?: [boolean, boolean, boolean];
}

export class ResNet extends ImageClassifier {
  readonly classifierPath = 'fc';
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu = new ReLU();
  readonly maxpool = new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 });
  readonly layers: Sequential[] = [];
  readonly avgpool = new AdaptiveAvgPool2d(1);
  /** The classifier; assigning a new Linear replaces it, as `model.fc = nn.Linear(…)` in PyTorch. */
  get fc(): Linear {
    return this.getModule('fc') as Linear;
  }

  set fc(head: Linear) {
    this.setModule('fc', head);
  }

  private inplanes = 64;
  private dilation = 1;

  constructor(block: BlockType, layers: [number, number, number, number], options: ResNetOptions = {}) {
    super();
    const {
      numClasses = 1000,
      zeroInitResidual = false,
      groups = 1,
      widthPerGroup = 64,
      replaceStrideWithDilation = [false, false, false],
    } = options;
    if (layers.length !== 4 || !layers.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new OptionError('ResNet', `layers must be 4 positive block counts, got ${JSON.stringify(layers)}`);
    }
    const g = toGenerator(options.seed);
    this.conv1 = this.registerModule('conv1', new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false, generator: g }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(64));
    this.registerModule('relu', this.relu);
    this.registerModule('maxpool', this.maxpool);
    [64, 128, 256, 512].forEach((planes, i) => {
      const stage = this.makeLayer(
        block,
        planes,
        layers[i],
        i === 0 ? 1 : 2,
        i === 0 ? false : replaceStrideWithDilation[i - 1],
        groups,
        widthPerGroup,
        g,
      );
      this.layers.push(this.registerModule(`layer${i + 1}`, stage));
    });
    this.registerModule('avgpool', this.avgpool);
    this.registerModule('fc', new Linear(512 * block.expansion, numClasses, { generator: g }));
    initializeModel(this, { conv: 'kaimingFanOut' }, g);
    if (zeroInitResidual) {
      // tidy: assign() does not take the zeros, which would otherwise outlive the model.
      tf.tidy(() => {
        for (const [, m] of this.namedModules())
          if (m instanceof ResidualBlock) m.zeroInitNorm.weight?.assign(tf.zerosLike(m.zeroInitNorm.weight));
      });
    }
  }

  override get typeName(): string {
    return 'ResNet';
  }

  get numClasses(): number {
    return this.fc.outFeatures;
  }

  private makeLayer(
    block: BlockType,
    planes: number,
    blocks: number,
    stride: number,
    dilate: boolean,
    groups: number,
    baseWidth: number,
    g: Generator,
  ): Sequential {
    const previousDilation = this.dilation;
    if (dilate) {
      this.dilation *= stride;
      stride = 1;
    }
    const out = planes * block.expansion;
    const downsample =
      stride !== 1 || this.inplanes !== out ? new Sequential(conv1x1(this.inplanes, out, stride, g), new BatchNorm2d(out)) : null;
    const stage = new Sequential(
      new block({ inplanes: this.inplanes, planes, stride, downsample, groups, baseWidth, dilation: previousDilation, generator: g }),
    );
    this.inplanes = out;
    for (let i = 1; i < blocks; i++) {
      stage.append(
        new block({ inplanes: out, planes, stride: 1, downsample: null, groups, baseWidth, dilation: this.dilation, generator: g }),
      );
    }
    return stage;
  }

  forwardFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const stem = this.maxpool.forward(convNormAct(x, this.conv1, this.bn1, 'relu'));
      return this.layers.reduce((y, layer) => layer.forward(y), stem);
    });
  }

  forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc.forward(flatten(this.avgpool.forward(features))));
  }

  resetClassifier(numClasses: number, seed?: number | Generator): void {
    this.fc = new Linear(this.fc.inFeatures, numClasses, { generator: seed });
  }
}

// --- builders and weights ---------------------------------------------------------------------

/** torchvision's pretrained weights for each builder (data only; load with `@convkit/weights`). */
export const resnetWeights = catalog as unknown as Record<ResNetName, WeightsEntry[]>;

const configs = {
  resnet18: [BasicBlock, [2, 2, 2, 2], {}],
  resnet34: [BasicBlock, [3, 4, 6, 3], {}],
  resnet50: [Bottleneck, [3, 4, 6, 3], {}],
  resnet101: [Bottleneck, [3, 4, 23, 3], {}],
  resnet152: [Bottleneck, [3, 8, 36, 3], {}],
  resnext50_32x4d: [Bottleneck, [3, 4, 6, 3], { groups: 32, widthPerGroup: 4 }],
  resnext101_32x8d: [Bottleneck, [3, 4, 23, 3], { groups: 32, widthPerGroup: 8 }],
  resnext101_64x4d: [Bottleneck, [3, 4, 23, 3], { groups: 64, widthPerGroup: 4 }],
  wide_resnet50_2: [Bottleneck, [3, 4, 6, 3], { widthPerGroup: 128 }],
  wide_resnet101_2: [Bottleneck, [3, 4, 23, 3], { widthPerGroup: 128 }],
} as const satisfies Record<string, [BlockType, readonly number[], ResNetOptions]>;

export type ResNetName = keyof typeof configs;
export const resnetNames = Object.keys(configs) as ResNetName[];

function build(name: ResNetName, options: ResNetOptions): ResNet {
  const [block, layers, preset] = configs[name];
  return new ResNet(block, [...layers] as [number, number, number, number], { ...preset, ...options });
}

export const resnet18 = (options: ResNetOptions = {}) => build('resnet18', options);
export const resnet34 = (options: ResNetOptions = {}) => build('resnet34', options);
export const resnet50 = (options: ResNetOptions = {}) => build('resnet50', options);
export const resnet101 = (options: ResNetOptions = {}) => build('resnet101', options);
export const resnet152 = (options: ResNetOptions = {}) => build('resnet152', options);
export const resnext50_32x4d = (options: ResNetOptions = {}) => build('resnext50_32x4d', options);
export const resnext101_32x8d = (options: ResNetOptions = {}) => build('resnext101_32x8d', options);
export const resnext101_64x4d = (options: ResNetOptions = {}) => build('resnext101_64x4d', options);
export const wide_resnet50_2 = (options: ResNetOptions = {}) => build('wide_resnet50_2', options);
export const wide_resnet101_2 = (options: ResNetOptions = {}) => build('wide_resnet101_2', options);
