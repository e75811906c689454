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
import { AdaptiveAvgPool2d, Conv2d, Linear, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d } from '@convkit/regularization';
import catalog from './weights-catalog.json';

// --- channel shuffle --------------------------------------------------------------------------

/**
 * torchvision's `channel_shuffle` on NHWC: channels viewed as `[groups, C/groups]`, transposed to
 * `[C/groups, groups]` and flattened, so channel `g·(C/groups) + i` moves to `i·groups + g`
 * (groups 2, C = 4: channels 0, 2, 1, 3). One transpose, the reshapes are free.
 */
export function channelShuffle(x: tf.Tensor, groups: number): tf.Tensor {
  const channels = x.shape[x.rank - 1];
  if (!Number.isInteger(groups) || groups < 1 || channels % groups !== 0) {
    throw new OptionError('channelShuffle', `groups must be a positive divisor of the ${channels} channels, got ${groups}`);
  }
  return tf.tidy(() => {
    const lead = x.shape.slice(0, -1);
    const grouped = tf.reshape(x, [...lead, groups, channels / groups]);
    const perm = [...lead.map((_, i) => i), lead.length + 1, lead.length];
    return tf.reshape(tf.transpose(grouped, perm), x.shape);
  });
}

/**
 * `channel_shuffle(cat((a, b), channels), 2)` as one copy: the shuffled channels alternate
 * a₀, b₀, a₁, b₁, …, which is `a` and `b` stacked on a new last axis — no concat, no transpose.
 */
export function concatShuffle(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const shape = [...a.shape.slice(0, -1), a.shape[a.rank - 1] + b.shape[b.rank - 1]];
    return tf.reshape(tf.stack([a, b], a.rank), shape);
  });
}

// --- the block --------------------------------------------------------------------------------

/**
 * torchvision's ShuffleNetV2 `InvertedResidual`. Stride 1: the channels split in two halves,
 * the first passes through and the second goes through `branch2` (1×1 → depthwise 3×3 → 1×1).
 * Stride > 1: `branch1` (depthwise 3×3 → 1×1) and `branch2` both see the whole input. Either
 * way the two halves are concatenated and channel-shuffled with 2 groups.
 */
export class InvertedResidual extends Module {
  override get typeName(): string {
    return 'InvertedResidual';
  }

  readonly stride: number;
  /** Empty (no parameters, never run) when the stride is 1, as in torchvision. */
  readonly branch1: Sequential;
  readonly branch2: Sequential;

  constructor(inp: number, oup: number, stride: number, generator?: number | Generator) {
    super();
    if (!(Number.isInteger(stride) && stride >= 1 && stride <= 3)) {
      throw new OptionError('InvertedResidual', `stride must be 1, 2 or 3, got ${stride}`);
    }
    const branchFeatures = Math.floor(oup / 2);
    if (stride === 1 && inp !== branchFeatures * 2) {
      throw new OptionError('InvertedResidual', `inp must be 2·⌊oup/2⌋ when stride is 1, got inp ${inp} and oup ${oup}`);
    }
    this.stride = stride;
    const g = toGenerator(generator);
    const depthwise = (c: number) => new Conv2d(c, c, 3, { stride, padding: 1, groups: c, bias: false, generator: g });
    const pointwise = (i: number, o: number) => new Conv2d(i, o, 1, { bias: false, generator: g });
    this.branch1 = this.registerModule(
      'branch1',
      stride > 1
        ? new Sequential(depthwise(inp), new BatchNorm2d(inp), pointwise(inp, branchFeatures), new BatchNorm2d(branchFeatures), new ReLU())
        : new Sequential(),
    );
    this.branch2 = this.registerModule(
      'branch2',
      new Sequential(
        pointwise(stride > 1 ? inp : branchFeatures, branchFeatures),
        new BatchNorm2d(branchFeatures),
        new ReLU(),
        depthwise(branchFeatures),
        new BatchNorm2d(branchFeatures),
        pointwise(branchFeatures, branchFeatures),
        new BatchNorm2d(branchFeatures),
        new ReLU(),
      ),
    );
  }

  forward(x: tf.Tensor): tf.Tensor {
    // The Sequentials fold each conv with its BatchNorm (and ReLU) into one conv in evaluation.
    return tf.tidy(() => {
      if (this.stride === 1) {
        const [x1, x2] = tf.split(x, 2, x.rank - 1);
        return concatShuffle(x1, this.branch2.forward(x2));
      }
      return concatShuffle(this.branch1.forward(x), this.branch2.forward(x));
    });
  }
}

// --- the model --------------------------------------------------------------------------------

export class ShuffleNetV2 extends ImageClassifier {
  readonly classifierPath = 'fc';
  readonly conv1: Sequential;
  readonly maxpool = new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 });
  readonly stage2: Sequential;
  readonly stage3: Sequential;
  readonly stage4: Sequential;
  readonly conv5: Sequential;
  /**
   * torchvision's `x.mean([2, 3])` as a module (no parameters, so the state dict is torchvision's):
   * the children then read in forward order, as ResNet's and EfficientNet's do.
   */
  readonly avgpool = new AdaptiveAvgPool2d(1);

  /** The classifier; assigning a new Linear replaces it, as `model.fc = nn.Linear(…)` in PyTorch. */
  get fc(): Linear {
    return this.getModule('fc') as Linear;
  }

  set fc(head: Linear) {
    this.setModule('fc', head);
  }

  /**
   * `stagesRepeats`: blocks in stages 2–4; `stagesOutChannels`: the channels of conv1, stages
   * 2–4 and conv5 (torchvision's `stages_repeats`, `stages_out_channels`).
   */
  constructor(stagesRepeats: number[], stagesOutChannels: number[], options: ClassifierOptions = {}) {
    super();
    const { numClasses = 1000 } = options;
    const positive = (v: number[]) => v.every((n) => Number.isInteger(n) && n >= 1);
    if (stagesRepeats.length !== 3 || !positive(stagesRepeats)) {
      throw new OptionError('ShuffleNetV2', `stagesRepeats must be 3 positive integers, got ${JSON.stringify(stagesRepeats)}`);
    }
    if (stagesOutChannels.length !== 5 || !positive(stagesOutChannels)) {
      throw new OptionError('ShuffleNetV2', `stagesOutChannels must be 5 positive integers, got ${JSON.stringify(stagesOutChannels)}`);
    }
    // PyTorch's default initialisation throughout (Conv2d and Linear draw it themselves).
    const g = toGenerator(options.seed);
    const [stem, ...rest] = stagesOutChannels;
    this.conv1 = this.registerModule(
      'conv1',
      new Sequential(new Conv2d(3, stem, 3, { stride: 2, padding: 1, bias: false, generator: g }), new BatchNorm2d(stem), new ReLU()),
    );
    this.registerModule('maxpool', this.maxpool);
    let inC = stem;
    const stages = stagesRepeats.map((repeats, s) => {
      const outC = rest[s];
      const stage = new Sequential(new InvertedResidual(inC, outC, 2, g));
      for (let i = 1; i < repeats; i++) stage.append(new InvertedResidual(outC, outC, 1, g));
      inC = outC;
      return this.registerModule(`stage${s + 2}`, stage);
    });
    [this.stage2, this.stage3, this.stage4] = stages;
    const last = rest[3];
    this.conv5 = this.registerModule(
      'conv5',
      new Sequential(new Conv2d(inC, last, 1, { bias: false, generator: g }), new BatchNorm2d(last), new ReLU()),
    );
    this.registerModule('avgpool', this.avgpool);
    this.registerModule('fc', new Linear(last, numClasses, { generator: g }));
  }

  override get typeName(): string {
    return 'ShuffleNetV2';
  }

  get numClasses(): number {
    return this.fc.outFeatures;
  }

  /** conv1 → maxpool → stages 2–4 → conv5: `[N, H/32, W/32, C]` (7×7×1024 for x1.0 at 224). */
  forwardFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = this.maxpool.forward(this.conv1.forward(x));
      for (const stage of [this.stage2, this.stage3, this.stage4, this.conv5]) y = stage.forward(y);
      return y;
    });
  }

  /** Global average pooling (torchvision's `x.mean([2, 3])`) → fc. */
  forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc.forward(flatten(this.avgpool.forward(features))));
  }

  resetClassifier(numClasses: number, seed?: number | Generator): void {
    this.fc = new Linear(this.fc.inFeatures, numClasses, { generator: seed });
  }
}

// --- builders and weights ---------------------------------------------------------------------

/** Blocks in stages 2–4 (all variants) and channels of conv1, stages 2–4 and conv5 per variant. */
const stagesRepeats = [4, 8, 4];
const configs = {
  shufflenet_v2_x0_5: [24, 48, 96, 192, 1024],
  shufflenet_v2_x1_0: [24, 116, 232, 464, 1024],
  shufflenet_v2_x1_5: [24, 176, 352, 704, 1024],
  shufflenet_v2_x2_0: [24, 244, 488, 976, 2048],
} as const satisfies Record<string, readonly number[]>;

export type ShuffleNetName = keyof typeof configs;
export const shufflenetNames = Object.keys(configs) as ShuffleNetName[];

/** torchvision's pretrained weights for each builder (data only; load with `@convkit/weights`). */
export const shufflenetWeights = catalog as unknown as Record<ShuffleNetName, WeightsEntry[]>;

/** The channels of conv1, stages 2–4 and conv5 of a variant. */
export function shufflenetStageChannels(name: ShuffleNetName): number[] {
  return [...configs[name]];
}

function build(name: ShuffleNetName, options: ClassifierOptions): ShuffleNetV2 {
  const { numClasses } = options;
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new OptionError(name, `numClasses must be a positive integer, got ${numClasses}`);
  }
  return new ShuffleNetV2(stagesRepeats, [...configs[name]], options);
}

export const shufflenet_v2_x0_5 = (options: ClassifierOptions = {}) => build('shufflenet_v2_x0_5', options);
export const shufflenet_v2_x1_0 = (options: ClassifierOptions = {}) => build('shufflenet_v2_x1_0', options);
export const shufflenet_v2_x1_5 = (options: ClassifierOptions = {}) => build('shufflenet_v2_x1_5', options);
export const shufflenet_v2_x2_0 = (options: ClassifierOptions = {}) => build('shufflenet_v2_x2_0', options);
