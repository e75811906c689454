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
import { Conv2d, convNormAct, initializeModel, Linear, PooledClassifier, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d, Dropout } from '@convkit/regularization';
import catalog from './weights-catalog.json';

// --- helpers ----------------------------------------------------------------------------------

/** torchvision's `_BN_MOMENTUM`: the paper's TensorFlow momentum 0.9997 in PyTorch's convention. */
export const BN_MOMENTUM = 1 - 0.9997;

/**
 * torchvision's `_round_to_multiple_of`: the nearest multiple of `divisor` (at least `divisor`),
 * rounded up instead when that would fall below `roundUpBias`·`val` — (83, 8) → 80, (84, 8) → 88.
 */
export function roundToMultipleOf(val: number, divisor: number, roundUpBias = 0.9): number {
  if (!(roundUpBias > 0 && roundUpBias < 1)) {
    throw new OptionError('roundToMultipleOf', `roundUpBias must be in (0, 1), got ${roundUpBias}`);
  }
  const newVal = Math.max(divisor, Math.floor(Math.trunc(val + divisor / 2) / divisor) * divisor);
  return newVal >= roundUpBias * val ? newVal : newVal + divisor;
}

/** Reference depths of MNASNet-B1 (stem, separable conv, the six stacks). */
const baseDepths = [32, 16, 24, 40, 80, 96, 192, 320] as const;

/** torchvision's `_get_depths`: the eight depths scaled by `alpha`, rounded to multiples of 8 (preferring up). */
export function getDepths(alpha: number): number[] {
  return baseDepths.map((depth) => roundToMultipleOf(depth * alpha, 8));
}

/** One stack of inverted residuals (torchvision's `_stack` arguments, without channels). */
export interface StackConfig {
  kernel: 3 | 5;
  stride: 1 | 2;
  expansion: number;
  repeats: number;
}

/** The six stacks of MNASNet-B1: kernel, stride, expansion factor, repeats (stack i maps depths[i+1] → depths[i+2]). */
export const stackConfigs: readonly StackConfig[] = [
  { kernel: 3, stride: 2, expansion: 3, repeats: 3 },
  { kernel: 5, stride: 2, expansion: 3, repeats: 3 },
  { kernel: 5, stride: 2, expansion: 6, repeats: 3 },
  { kernel: 3, stride: 1, expansion: 6, repeats: 2 },
  { kernel: 5, stride: 2, expansion: 6, repeats: 4 },
  { kernel: 3, stride: 1, expansion: 6, repeats: 1 },
];

// --- blocks -----------------------------------------------------------------------------------

/** One conv → BatchNorm → activation step (folded into one conv in evaluation). */
interface ConvUnit {
  conv: Conv2d;
  norm: BatchNorm2d;
  activation: ActivationName;
}

/**
 * torchvision's `_InvertedResidual`: 1×1 expansion → BN → ReLU → depthwise k×k → BN → ReLU →
 * 1×1 linear projection → BN, as one Sequential `layers.0` … `layers.7`; the input is added
 * back when the block keeps channels and size.
 */
export class InvertedResidual extends Module {
  override get typeName(): string {
    return '_InvertedResidual';
  }

  readonly applyResidual: boolean;
  readonly layers: Sequential;
  private readonly units: ConvUnit[];

  constructor(inCh: number, outCh: number, kernel: number, stride: number, expansion: number, bnMomentum = 0.1, g?: Generator) {
    super();
    if (stride !== 1 && stride !== 2) throw new OptionError('InvertedResidual', `stride must be 1 or 2, got ${stride}`);
    if (kernel !== 3 && kernel !== 5) throw new OptionError('InvertedResidual', `kernel must be 3 or 5, got ${kernel}`);
    const mid = inCh * expansion;
    this.applyResidual = inCh === outCh && stride === 1;
    const norm = (c: number) => new BatchNorm2d(c, { momentum: bnMomentum });
    const expand = new Conv2d(inCh, mid, 1, { bias: false, generator: g });
    const depthwise = new Conv2d(mid, mid, kernel, { padding: Math.floor(kernel / 2), stride, groups: mid, bias: false, generator: g });
    const project = new Conv2d(mid, outCh, 1, { bias: false, generator: g });
    const [n0, n1, n2] = [norm(mid), norm(mid), norm(outCh)];
    this.layers = this.registerModule('layers', new Sequential(expand, n0, new ReLU(), depthwise, n1, new ReLU(), project, n2));
    this.units = [
      { conv: expand, norm: n0, activation: 'relu' },
      { conv: depthwise, norm: n1, activation: 'relu' },
      { conv: project, norm: n2, activation: 'linear' },
    ];
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [expand, depthwise, project] = this.units;
      const y = convNormAct(
        convNormAct(x, expand.conv, expand.norm, expand.activation),
        depthwise.conv,
        depthwise.norm,
        depthwise.activation,
      );
      // In evaluation the residual add fuses into the projection's conv.
      return convNormAct(y, project.conv, project.norm, project.activation, this.applyResidual ? x : null);
    });
  }
}

/** torchvision's `_stack`: the first block changes channels and stride (no residual), the others repeat at `outCh`. */
export function invertedResidualStack(
  inCh: number,
  outCh: number,
  { kernel, stride, expansion, repeats }: StackConfig,
  bnMomentum: number,
  g?: Generator,
): Sequential {
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new OptionError('invertedResidualStack', `repeats must be >= 1, got ${repeats}`);
  const stack = new Sequential(new InvertedResidual(inCh, outCh, kernel, stride, expansion, bnMomentum, g));
  for (let i = 1; i < repeats; i++) stack.append(new InvertedResidual(outCh, outCh, kernel, 1, expansion, bnMomentum, g));
  return stack;
}

// --- the model --------------------------------------------------------------------------------

export interface MNASNetOptions extends ClassifierOptions {
  /** Dropout before the classifier's Linear (default 0.2). */
  dropout?: number;
}

function checkOptions(where: string, { numClasses, dropout }: MNASNetOptions): void {
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new OptionError(where, `numClasses must be a positive integer, got ${numClasses}`);
  }
  if (dropout !== undefined && !(typeof dropout === 'number' && dropout >= 0 && dropout < 1)) {
    throw new OptionError(where, `dropout must be in [0, 1), got ${dropout}`);
  }
}

/**
 * MNASNet-B1 (torchvision's `MNASNet`, version 2: the stem scales with `alpha` too). `layers`
 * holds the stem (0–7), the six stacks (8–13) and the 1×1 conv to 1280 (14–16); the head is the
 * spatial mean, dropout and `classifier.1`.
 */
export class MNASNet extends PooledClassifier {
  readonly alpha: number;
  readonly layers: Sequential;
  classifier: Sequential;
  protected readonly fcIndex = 1;

  constructor(alpha: number, options: MNASNetOptions = {}) {
    super();
    if (!(typeof alpha === 'number' && alpha > 0 && Number.isFinite(alpha)))
      throw new OptionError('MNASNet', `alpha must be > 0, got ${alpha}`);
    checkOptions('MNASNet', options);
    const { numClasses = 1000, dropout = 0.2 } = options;
    const g = toGenerator(options.seed);
    this.alpha = alpha;
    const depths = getDepths(alpha);
    const norm = (c: number) => new BatchNorm2d(c, { momentum: BN_MOMENTUM });
    this.layers = this.registerModule(
      'layers',
      new Sequential(
        // First layer: regular conv.
        new Conv2d(3, depths[0], 3, { padding: 1, stride: 2, bias: false, generator: g }),
        norm(depths[0]),
        new ReLU(),
        // Depthwise separable, no skip.
        new Conv2d(depths[0], depths[0], 3, { padding: 1, groups: depths[0], bias: false, generator: g }),
        norm(depths[0]),
        new ReLU(),
        new Conv2d(depths[0], depths[1], 1, { bias: false, generator: g }),
        norm(depths[1]),
      ),
    );
    stackConfigs.forEach((cfg, i) => {
      this.layers.append(invertedResidualStack(depths[i + 1], depths[i + 2], cfg, BN_MOMENTUM, g));
    });
    // Final mapping to the classifier's input.
    this.layers.append(new Conv2d(depths[7], 1280, 1, { bias: false, generator: g }));
    this.layers.append(norm(1280));
    this.layers.append(new ReLU());
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(new Dropout(dropout, g), new Linear(1280, numClasses, { generator: g })),
    );
    // kaiming_uniform_(mode='fan_out', nonlinearity='sigmoid') on [in, out] weights: U(±√(3/out)).
    const linear = (shape: number[]) => init.uniform(shape, -Math.sqrt(3 / shape[1]), Math.sqrt(3 / shape[1]), g);
    initializeModel(this, { conv: 'kaimingFanOut', linear, zeroBias: true }, g);
  }

  override get typeName(): string {
    return 'MNASNet';
  }

  /** torchvision's `layers`: `forwardFeatures` gives its output, `[N,H/32,W/32,1280]` (7×7 at 224). */
  get features(): Sequential {
    return this.layers;
  }
}

// --- builders and weights ---------------------------------------------------------------------

/** Width multiplier (`alpha`) per builder. */
const configs = {
  mnasnet0_5: 0.5,
  mnasnet0_75: 0.75,
  mnasnet1_0: 1.0,
  mnasnet1_3: 1.3,
} as const satisfies Record<string, number>;

export type MNASNetName = keyof typeof configs;
export const mnasnetNames = Object.keys(configs) as MNASNetName[];

/** torchvision's pretrained weights for each builder (data only; load with `@convkit/weights`). */
export const mnasnetWeights = catalog as unknown as Record<MNASNetName, WeightsEntry[]>;

function build(name: MNASNetName, options: MNASNetOptions): MNASNet {
  checkOptions(name, options);
  return new MNASNet(configs[name], options);
}

export const mnasnet0_5 = (options: MNASNetOptions = {}) => build('mnasnet0_5', options);
export const mnasnet0_75 = (options: MNASNetOptions = {}) => build('mnasnet0_75', options);
export const mnasnet1_0 = (options: MNASNetOptions = {}) => build('mnasnet1_0', options);
export const mnasnet1_3 = (options: MNASNetOptions = {}) => build('mnasnet1_3', options);
