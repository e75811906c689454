import { type Generator, OptionError, ShapeError, toGenerator } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset, Sample } from './dataset';
import type { HWCImage } from './image';
import { randperm } from './shuffle';
import { imageToTensor, toFloat32 } from './transforms/to-tensor';
import type { Transform } from './transforms/transform';

export interface BatchOptions {
  /** Examples per batch (default 1, like `DataLoader`). */
  batchSize?: number;
  /** Draw a fresh permutation every epoch (default false: dataset order). */
  shuffle?: boolean;
  /** Seed or generator for the permutations; the default is core's process-wide generator. */
  seed?: number | Generator;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Applied to each example as a `[1,H,W,C]` float tensor, like a torchvision dataset transform. */
  transform?: Transform;
  /** Applied once to each stacked batch (faster when examples already share a size). */
  batchTransform?: Transform;
}

export interface Batch {
  /** `[B,H,W,C]` float32; uint8 images are scaled to [0,1] as torchvision's `ToTensor` does. */
  x: tf.Tensor4D;
  /** `[B]` int32 labels. */
  y: tf.Tensor1D;
  /** The dataset indices in this batch, in order. */
  indices: Int32Array;
}

/** One pass over the data per `for…of`; `length` is the number of batches in a pass. */
export interface Batches extends Iterable<Batch> {
  readonly length: number;
}

/**
 * Iterates a data set in batches, like `torch.utils.data.DataLoader`. Each yielded `x` and `y`
 * belongs to the caller (dispose them, or run the loop body in `tf.tidy`); everything made on
 * the way is disposed here. Every new iteration is a new epoch with a new permutation.
 */
export function batches(dataset: Dataset, options: BatchOptions = {}): Batches {
  const { batchSize = 1, shuffle = false, dropLast = false, transform, batchTransform } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new OptionError('batches.batchSize', `must be a positive integer, got ${batchSize}`);
  const n = dataset.length;
  const generator = shuffle ? toGenerator(options.seed) : undefined;
  const length = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  return {
    length,
    *[Symbol.iterator]() {
      const order = generator ? randperm(n, generator) : Int32Array.from({ length: n }, (_, i) => i);
      for (let b = 0; b < length; b++) {
        const indices = order.slice(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const samples = Array.from(indices, (i) => dataset.get(i));
        const x = tf.tidy(() => {
          const stacked = transform ? stackTransformed(samples, indices, transform) : stack(samples, indices);
          return batchTransform ? batchTransform(stacked) : stacked;
        });
        const y = tf.tensor1d(
          samples.map((s) => s.label),
          'int32',
        );
        yield { x, y, indices };
      }
    },
  };
}

const dims = (im: HWCImage) => `[${im.height},${im.width},${im.channels}]`;

function stack(samples: Sample[], indices: Int32Array): tf.Tensor4D {
  const first = samples[0].image;
  const size = first.height * first.width * first.channels;
  const out = new Float32Array(samples.length * size);
  samples.forEach(({ image }, k) => {
    if (dims(image) !== dims(first)) {
      throw new ShapeError(
        `batches: dataset[${indices[k]}]`,
        `image is ${dims(image)} but dataset[${indices[0]}] in the same batch is ${dims(first)}; pass a transform that resizes/crops`,
      );
    }
    if (image.data.length !== size) {
      throw new ShapeError(`batches: dataset[${indices[k]}]`, `image data has ${image.data.length} values, ${dims(image)} needs ${size}`);
    }
    out.set(toFloat32(image.data), k * size);
  });
  return tf.tensor4d(out, [samples.length, first.height, first.width, first.channels]);
}

function stackTransformed(samples: Sample[], indices: Int32Array, transform: Transform): tf.Tensor4D {
  const outs = samples.map(({ image }) => transform(imageToTensor(image)));
  outs.forEach((t, k) => {
    if (t.rank !== 4 || t.shape[0] !== 1 || t.shape.join() !== outs[0].shape.join()) {
      throw new ShapeError(
        `batches: transform(dataset[${indices[k]}])`,
        `every transformed example must be [1,H,W,C] of one size; got [${t.shape.join(',')}] vs [${outs[0].shape.join(',')}] for dataset[${indices[0]}]`,
      );
    }
  });
  return tf.concat(outs, 0);
}
