import type * as tf from '@tensorflow/tfjs-core';
import { type ClassifierOptions, type Generator, type Module, OptionError, toGenerator, type WeightsEntry } from '@convkit/core';
import { AdaptiveAvgPool2d, Conv2d, Linear, MaxPool2d, PooledClassifier, ReLU, Sequential } from '@convkit/layers';
import { Dropout } from '@convkit/regularization';
import catalog from './weights-catalog.json';

// --- configuration ----------------------------------------------------------------------------

/** `features`: a conv's out channels, kernel, stride and padding (each followed by ReLU), or `'M'` = 3×3/2 max pool. */
type FeatureCfg = 'M' | readonly [number, number, number, number];

export const alexnetFeatures = [
  [64, 11, 4, 2],
  'M',
  [192, 5, 1, 2],
  'M',
  [384, 3, 1, 1],
  [256, 3, 1, 1],
  [256, 3, 1, 1],
  'M',
] as const satisfies readonly FeatureCfg[];

// --- the model --------------------------------------------------------------------------------

export interface AlexNetOptions extends ClassifierOptions {
  /** Dropout before each of the first two Linears (default 0.5). */
  dropout?: number;
}

function checkOptions(where: string, { numClasses, dropout }: AlexNetOptions): void {
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new OptionError(where, `numClasses must be a positive integer, got ${numClasses}`);
  }
  if (dropout !== undefined && !(typeof dropout === 'number' && dropout >= 0 && dropout < 1)) {
    throw new OptionError(where, `dropout must be in [0, 1), got ${dropout}`);
  }
}

/**
 * torchvision's AlexNet (the "one weird trick" variant: 64/192/384/256/256 channels): `features`
 * (five convs with ReLU, three 3×3/2 max pools), `avgpool` to 6×6 and `classifier`: dropout →
 * Linear 9216→4096 → ReLU → dropout → Linear 4096→4096 → ReLU → Linear to the classes. PyTorch's
 * default init everywhere, as torchvision.
 */
export class AlexNet extends PooledClassifier {
  readonly features: Sequential;
  classifier: Sequential;
  protected readonly fcIndex = 6;
  protected override readonly globalPool: Module;

  constructor(options: AlexNetOptions = {}) {
    super();
    checkOptions('AlexNet', options);
    const { numClasses = 1000, dropout = 0.5 } = options;
    const g = toGenerator(options.seed);
    this.features = this.registerModule('features', new Sequential());
    let channels = 3;
    for (const layer of alexnetFeatures as readonly FeatureCfg[]) {
      if (layer === 'M') {
        this.features.append(new MaxPool2d({ kernelSize: 3, stride: 2 }));
        continue;
      }
      const [out, kernel, stride, padding] = layer;
      this.features.append(new Conv2d(channels, out, kernel, { stride, padding, generator: g }));
      this.features.append(new ReLU());
      channels = out;
    }
    // Any map of at least 1×1 (inputs from 63 px) is averaged or repeated into 6×6 bins, as PyTorch's adaptive pool.
    this.globalPool = this.registerModule('avgpool', new AdaptiveAvgPool2d(6));
    // The classifier sees an NHWC flatten (H,W,C); PyTorch's weights are C,H,W: the loader reorders.
    const first = new Linear(256 * 6 * 6, 4096, { generator: g, flattenedInput: { height: 6, width: 6, channels: 256 } });
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        new Dropout(dropout, g),
        first,
        new ReLU(),
        new Dropout(dropout, g),
        new Linear(4096, 4096, { generator: g }),
        new ReLU(),
        new Linear(4096, numClasses, { generator: g }),
      ),
    );
  }

  override get typeName(): string {
    return 'AlexNet';
  }

  /** The `features` output, `[N,6,6,256]` at 224 (before the adaptive pool). */
  override forwardFeatures(x: tf.Tensor): tf.Tensor {
    return this.features.forward(x);
  }

  /** A new `classifier.6` (Linear 4096 → numClasses); the first two Linears stay. */
  override resetClassifier(numClasses: number, seed?: number | Generator): void {
    super.resetClassifier(numClasses, seed);
  }
}

// --- builders and weights ---------------------------------------------------------------------

export const alexnetNames = ['alexnet'] as const;
export type AlexNetName = (typeof alexnetNames)[number];

/** torchvision's pretrained weights (data only; load with `@convkit/weights`). */
export const alexnetWeights = catalog as unknown as Record<AlexNetName, WeightsEntry[]>;

export const alexnet = (options: AlexNetOptions = {}): AlexNet => {
  checkOptions('alexnet', options);
  return new AlexNet(options);
};
