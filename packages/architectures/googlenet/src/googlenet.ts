import * as tf from '@tensorflow/tfjs-core';
import {
  adaptiveAvgPool2d,
  type ClassifierOptions,
  flatten,
  type Generator,
  ImageClassifier,
  init,
  Module,
  ShapeError,
  shapeString,
  toGenerator,
  type WeightsEntry,
} from '@convkit/core';
import { AdaptiveAvgPool2d, Conv2d, convNormAct, initializeModel, Linear, MaxPool2d, Sequential } from '@convkit/layers';
import { BatchNorm2d, Dropout } from '@convkit/regularization';
import catalog from './weights-catalog.json';

// --- blocks -----------------------------------------------------------------------------------

/** Conv (no bias) → BatchNorm (eps 1e-3, as in the original Inception) → ReLU. */
export class BasicConv2d extends Module {
  override get typeName(): string {
    return 'BasicConv2d';
  }

  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;

  constructor(inChannels: number, outChannels: number, kernelSize: number, { stride = 1, padding = 0 } = {}, g?: Generator) {
    super();
    this.conv = this.registerModule(
      'conv',
      new Conv2d(inChannels, outChannels, kernelSize, { stride, padding, bias: false, generator: g }),
    );
    this.bn = this.registerModule('bn', new BatchNorm2d(outChannels, { eps: 1e-3 }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return convNormAct(x, this.conv, this.bn, 'relu');
  }
}

/**
 * Four parallel branches concatenated on channels: 1×1; 1×1 → 3×3; 1×1 → "5×5"; 3×3 max-pool
 * → 1×1. The "5×5" branch is a 3×3 conv in torchvision (kept so its checkpoint loads).
 */
export class Inception extends Module {
  override get typeName(): string {
    return 'Inception';
  }

  readonly branch1: BasicConv2d;
  readonly branch2: Sequential;
  readonly branch3: Sequential;
  readonly branch4: Sequential;

  constructor(
    inChannels: number,
    ch1x1: number,
    ch3x3red: number,
    ch3x3: number,
    ch5x5red: number,
    ch5x5: number,
    poolProj: number,
    g?: Generator,
  ) {
    super();
    this.branch1 = this.registerModule('branch1', new BasicConv2d(inChannels, ch1x1, 1, {}, g));
    this.branch2 = this.registerModule(
      'branch2',
      new Sequential(new BasicConv2d(inChannels, ch3x3red, 1, {}, g), new BasicConv2d(ch3x3red, ch3x3, 3, { padding: 1 }, g)),
    );
    this.branch3 = this.registerModule(
      'branch3',
      new Sequential(new BasicConv2d(inChannels, ch5x5red, 1, {}, g), new BasicConv2d(ch5x5red, ch5x5, 3, { padding: 1 }, g)),
    );
    this.branch4 = this.registerModule(
      'branch4',
      new Sequential(
        new MaxPool2d({ kernelSize: 3, stride: 1, padding: 1, ceilMode: true }),
        new BasicConv2d(inChannels, poolProj, 1, {}, g),
      ),
    );
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      tf.concat(
        [this.branch1, this.branch2, this.branch3, this.branch4].map((b) => b.forward(x)),
        3,
      ),
    );
  }
}

/** Auxiliary classifier on an intermediate map: 4×4 average → 1×1 conv to 128 → fc1 → ReLU → dropout → fc2. */
export class InceptionAux extends Module {
  override get typeName(): string {
    return 'InceptionAux';
  }

  readonly conv: BasicConv2d;
  readonly fc1: Linear;
  fc2: Linear;
  readonly dropout: Dropout;

  constructor(inChannels: number, numClasses: number, dropout = 0.7, g?: Generator) {
    super();
    this.conv = this.registerModule('conv', new BasicConv2d(inChannels, 128, 1, {}, g));
    // PyTorch flattens the 128×4×4 map C,H,W; ours is H,W,C, so the loader reorders fc1's columns.
    this.fc1 = this.registerModule('fc1', new Linear(2048, 1024, { generator: g, flattenedInput: { height: 4, width: 4, channels: 128 } }));
    this.fc2 = this.registerModule('fc2', new Linear(1024, numClasses, { generator: g }));
    this.dropout = this.registerModule('dropout', new Dropout(dropout, g));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const y = flatten(this.conv.forward(adaptiveAvgPool2d(x as tf.Tensor4D, 4)));
      return this.fc2.forward(this.dropout.forward(tf.relu(this.fc1.forward(y))));
    });
  }
}

// --- the model --------------------------------------------------------------------------------

export interface GoogLeNetOptions extends ClassifierOptions {
  /**
   * Build the auxiliary heads `aux1`/`aux2` (used in training only, see `forwardWithAux`).
   * Default false. torchvision's class defaults to true, but its pretrained checkpoint's aux
   * heads were never trained and `googlenet(weights=…)` drops them.
   */
  auxLogits?: boolean;
  /**
   * Re-normalise ImageNet-normalised input to the original (x − 0.5) / 0.5 scaling, as the
   * pretrained checkpoint expects (its catalog entry sets it). Default false.
   */
  transformInput?: boolean;
  /** Dropout before `fc` (default 0.2). */
  dropout?: number;
  /** Dropout in the aux heads (default 0.7). */
  dropoutAux?: number;
}

export interface GoogLeNetOutputs {
  logits: tf.Tensor;
  /** Aux heads' logits: only in training mode with `auxLogits`, else null. */
  aux1: tf.Tensor | null;
  aux2: tf.Tensor | null;
}

// Inception configs: in, 1×1, 3×3 reduce, 3×3, "5×5" reduce, "5×5", pool projection.
const inceptionConfigs = {
  inception3a: [192, 64, 96, 128, 16, 32, 32],
  inception3b: [256, 128, 128, 192, 32, 96, 64],
  inception4a: [480, 192, 96, 208, 16, 48, 64],
  inception4b: [512, 160, 112, 224, 24, 64, 64],
  inception4c: [512, 128, 128, 256, 24, 64, 64],
  inception4d: [512, 112, 144, 288, 32, 64, 64],
  inception4e: [528, 256, 160, 320, 32, 128, 128],
  inception5a: [832, 256, 160, 320, 32, 128, 128],
  inception5b: [832, 384, 192, 384, 48, 128, 128],
} as const;

type InceptionName = keyof typeof inceptionConfigs;

// The order of the layers; `aux1` taps the output of inception4a, `aux2` that of inception4d.
const stem = ['conv1', 'maxpool1', 'conv2', 'conv3', 'maxpool2', 'inception3a', 'inception3b', 'maxpool3', 'inception4a'] as const;
const middle = ['inception4b', 'inception4c', 'inception4d'] as const;
const tail = ['inception4e', 'maxpool4', 'inception5a', 'inception5b'] as const;

const ceilPool = (kernelSize: number) => new MaxPool2d({ kernelSize, stride: 2, ceilMode: true });

export class GoogLeNet extends ImageClassifier {
  readonly classifierPath = 'fc';
  readonly auxLogits: boolean;
  readonly transformInput: boolean;
  readonly aux1: InceptionAux | null = null;
  readonly aux2: InceptionAux | null = null;
  readonly avgpool = new AdaptiveAvgPool2d(1);
  readonly dropout: Dropout;
  /** The classifier; assigning a new Linear replaces it, as `model.fc = nn.Linear(…)` in PyTorch. */
  get fc(): Linear {
    return this.getModule('fc') as Linear;
  }

  set fc(head: Linear) {
    this.setModule('fc', head);
  }

  constructor(options: GoogLeNetOptions = {}) {
    super();
    const { numClasses = 1000, auxLogits = false, transformInput = false, dropout = 0.2, dropoutAux = 0.7 } = options;
    const g = toGenerator(options.seed);
    this.auxLogits = auxLogits;
    this.transformInput = transformInput;
    this.registerModule('conv1', new BasicConv2d(3, 64, 7, { stride: 2, padding: 3 }, g));
    this.registerModule('maxpool1', ceilPool(3));
    this.registerModule('conv2', new BasicConv2d(64, 64, 1, {}, g));
    this.registerModule('conv3', new BasicConv2d(64, 192, 3, { padding: 1 }, g));
    this.registerModule('maxpool2', ceilPool(3));
    for (const name of Object.keys(inceptionConfigs) as InceptionName[]) {
      const [inC, c1, c3r, c3, c5r, c5, pp] = inceptionConfigs[name];
      this.registerModule(name, new Inception(inC, c1, c3r, c3, c5r, c5, pp, g));
      if (name === 'inception3b') this.registerModule('maxpool3', ceilPool(3));
      if (name === 'inception4e') this.registerModule('maxpool4', ceilPool(2));
    }
    if (auxLogits) {
      this.aux1 = this.registerModule('aux1', new InceptionAux(512, numClasses, dropoutAux, g));
      this.aux2 = this.registerModule('aux2', new InceptionAux(528, numClasses, dropoutAux, g));
    }
    this.registerModule('avgpool', this.avgpool);
    this.dropout = this.registerModule('dropout', new Dropout(dropout, g));
    this.registerModule('fc', new Linear(1024, numClasses, { generator: g }));
    // torchvision: trunc_normal_(std=0.01, a=-2, b=2) for conv and linear weights — the bounds
    // are 200 σ away, so a clipped normal draws the same distribution. Linear biases keep nn.Linear's.
    const truncNormal = (shape: number[]) => tf.tidy(() => tf.clipByValue(init.normal(shape, 0, 0.01, g), -2, 2));
    initializeModel(this, { conv: truncNormal, linear: truncNormal }, g);
  }

  override get typeName(): string {
    return 'GoogLeNet';
  }

  get numClasses(): number {
    return this.fc.outFeatures;
  }

  private run(names: readonly string[], x: tf.Tensor): tf.Tensor {
    return names.reduce((y, name) => this.getModule(name).forward(y), x);
  }

  /** torchvision's `_transform_input`: from ImageNet mean/std normalisation to (x − 0.5) / 0.5. */
  private transform(x: tf.Tensor): tf.Tensor {
    if (!this.transformInput) return x;
    if (x.rank !== 4 || x.shape[3] !== 3)
      throw new ShapeError('GoogLeNet.transformInput', `expected NHWC input with 3 channels, got ${shapeString(x.shape)}`);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    return tf.add(tf.mul(x, tf.tensor1d(std.map((s) => s / 0.5))), tf.tensor1d(mean.map((m) => (m - 0.5) / 0.5)));
  }

  /** Main logits plus, in training mode with `auxLogits`, the two aux heads' logits. */
  forwardWithAux(x: tf.Tensor): GoogLeNetOutputs {
    const [aux1, aux2] = this.training && this.auxLogits ? [this.aux1, this.aux2] : [null, null];
    const [logits, ...aux] = tf.tidy(() => {
      const a = this.run(stem, this.transform(x));
      const b = this.run(middle, a);
      const logits = this.forwardHead(this.run(tail, b));
      return aux1 && aux2 ? [logits, aux1.forward(a), aux2.forward(b)] : [logits];
    });
    return { logits, aux1: aux[0] ?? null, aux2: aux[1] ?? null };
  }

  /** The inception5b map, `[N,H/32,W/32,1024]` (ceil-mode pools: 7×7 at 224). */
  forwardFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.run([...stem, ...middle, ...tail], this.transform(x)));
  }

  forwardHead(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc.forward(this.dropout.forward(flatten(this.avgpool.forward(features)))));
  }

  /** New `fc` for `numClasses` classes (and new aux `fc2`s, so aux losses keep matching). */
  resetClassifier(numClasses: number, seed?: number | Generator): void {
    const g = toGenerator(seed);
    this.setModule('fc', new Linear(this.fc.inFeatures, numClasses, { generator: g }));
    for (const aux of ['aux1', 'aux2'] as const)
      if (this[aux]) this.setModule(`${aux}.fc2`, new Linear(1024, numClasses, { generator: g }));
  }
}

// --- builders and weights ---------------------------------------------------------------------

/** torchvision's pretrained weights (data only; load with `@convkit/weights`, with `modelOptions`). */
export const googlenetWeights = catalog as unknown as Record<GoogLeNetName, WeightsEntry[]>;

export type GoogLeNetName = 'googlenet';
export const googlenetNames: GoogLeNetName[] = ['googlenet'];

export const googlenet = (options: GoogLeNetOptions = {}) => new GoogLeNet(options);
