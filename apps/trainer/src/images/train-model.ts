// Training on the user's images. With a frozen backbone its features are computed once and only
// the head trains on them (seconds); fine-tuning runs the whole model on every batch.
import * as tf from '@tensorflow/tfjs-core';
import { type ImageClassifier, Module } from '@convkit/core';
import type { DecodedImage } from '@convkit/data';
import { AdamW, type DataBatch, fit, type ProgressEvent } from '@convkit/train';
import { cropped, standardize } from './backbone';

export interface Example {
  image: DecodedImage;
  label: number;
  /** Held out: not trained on, measured after every epoch. */
  heldOut: boolean;
}

/** Every 5th image of each class is held out, once the class has 5 or more. */
export const isHeldOut = (indexInClass: number): boolean => indexInClass % 5 === 4;

/** The head alone, on precomputed feature maps: what `fit` trains when the backbone is frozen. */
class HeadOnly extends Module {
  constructor(readonly model: ImageClassifier) {
    super();
    this.registerModule('model', model);
  }

  forward(features: tf.Tensor): tf.Tensor {
    return this.model.forwardHead(features);
  }
}

/** Shuffled batches of `x`/`y` rows, re-iterable once per epoch (fit disposes each batch). */
function batchesOf(x: tf.Tensor, y: tf.Tensor, batchSize: number, shuffle: boolean): Iterable<DataBatch> & { length: number } {
  const n = x.shape[0];
  return {
    length: Math.ceil(n / batchSize),
    *[Symbol.iterator]() {
      const order = Int32Array.from({ length: n }, (_, i) => i);
      if (shuffle) tf.util.shuffle(order);
      for (let start = 0; start < n; start += batchSize) {
        const rows = order.subarray(start, start + batchSize);
        yield tf.tidy(() => {
          const index = tf.tensor1d(rows, 'int32');
          return { x: tf.gather(x, index), y: tf.gather(y, index) };
        });
      }
    },
  };
}

/** The standardized input batch of `examples`, `[N,size,size,3]`. */
function inputs(examples: Example[], size: number): tf.Tensor4D {
  return tf.tidy(() => standardize(tf.concat(examples.map((e) => cropped(e.image, size)))));
}

/** The backbone's last feature maps in evaluation mode, a few images at a time (memory). */
async function features(model: ImageClassifier, examples: Example[], size: number, onImage: (done: number) => void): Promise<tf.Tensor> {
  model.eval();
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < examples.length; start += 8) {
    const x = inputs(examples.slice(start, start + 8), size);
    parts.push(tf.tidy(() => model.forwardFeatures(x)));
    x.dispose();
    await parts.at(-1)!.data(); // also lets the page paint between chunks
    onImage(Math.min(start + 8, examples.length));
  }
  const all = tf.concat(parts);
  tf.dispose(parts);
  return all;
}

export interface TrainOptions {
  size: number;
  epochs: number;
  lr: number;
  fineTune: boolean;
  signal?: AbortSignal;
  onFeatures?: (done: number, total: number) => void;
  onProgress?: (event: ProgressEvent) => void;
}

/** Trains `model` (its head, or all of it) on the examples; leaves it in evaluation mode. */
export async function trainModel(model: ImageClassifier, examples: Example[], options: TrainOptions): Promise<void> {
  const train = examples.filter((e) => !e.heldOut);
  const held = examples.filter((e) => e.heldOut);
  const encode = async (list: Example[]) =>
    options.fineTune ? inputs(list, options.size) : features(model, list, options.size, (d) => options.onFeatures?.(d, examples.length));
  const trainX = await encode(train);
  const heldX = held.length > 0 ? await encode(held) : null;
  const labels = (list: Example[]) =>
    tf.tensor1d(
      list.map((e) => e.label),
      'int32',
    );
  const trainY = labels(train);
  const heldY = labels(held);
  const trained: Module = options.fineTune ? model : new HeadOnly(model);
  const optimizer = new AdamW(trained.trainableParameters(), { lr: options.lr });
  try {
    await fit(trained, batchesOf(trainX, trainY, 16, true), {
      epochs: options.epochs,
      optimizer,
      valData: heldX ? batchesOf(heldX, heldY, 32, false) : undefined,
      signal: options.signal,
      onProgress: options.onProgress,
    });
  } finally {
    tf.dispose([trainX, trainY, heldY, ...(heldX ? [heldX] : [])]);
    optimizer.dispose();
    model.eval();
  }
}
