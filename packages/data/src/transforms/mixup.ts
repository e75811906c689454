import { type Generator, OptionError, ShapeError, toGenerator } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertProbability, checkBatch } from './check';
import type { CropBox } from './random-resized-crop';
import { beta, randint } from './random-draws';

/**
 * Batch-level MixUp and CutMix with the formulas of torchvision's
 * `references/classification/transforms.py` (`RandomMixup`, `RandomCutmix`): each example is
 * mixed with its neighbour in the batch rolled by one (`x.roll(1, 0)`: example i with i − 1, the
 * first with the last), and the targets become probabilities (one-hot mixed by λ). Pass them
 * straight to `crossEntropy` from `@convkit/train`, which accepts probability targets.
 */

export interface MixedBatch {
  images: tf.Tensor4D;
  /** `[N, numClasses]` float32 probabilities: `crossEntropy(logits, targets)` from `@convkit/train` takes them as they are. */
  targets: tf.Tensor2D;
  /** The weight of each example's own image and label (CutMix: after the box-area correction). */
  lambda: number;
}

/** `x.roll(1, 0)`: example i takes example i − 1's place, the last moves to the front. */
function rollByOne<T extends tf.Tensor>(x: T): T {
  const n = x.shape[0];
  if (n <= 1) return tf.clone(x);
  return tf.concat([tf.slice(x, [n - 1], [1]), tf.slice(x, [0], [n - 1])], 0) as T;
}

function checkLambda(where: string, lambda: number): void {
  if (!(lambda >= 0 && lambda <= 1)) throw new OptionError(where, `must be in [0, 1], got ${lambda}`);
}

function checkTargets(where: string, images: tf.Tensor4D, targets: tf.Tensor): asserts targets is tf.Tensor2D {
  if (targets.rank !== 2 || targets.shape[0] !== images.shape[0] || targets.dtype !== 'float32') {
    throw new ShapeError(
      where,
      `targets must be float32 [${images.shape[0]}, numClasses], got ${targets.dtype} [${targets.shape.join(',')}]`,
    );
  }
}

/** The MixUp core for a given λ: `λ · x + (1 − λ) · roll(x)` for the images and the `[N, K]` targets alike. */
export function mixupBatch(images: tf.Tensor4D, targets: tf.Tensor2D, lambda: number): MixedBatch {
  checkBatch('mixupBatch', images);
  checkTargets('mixupBatch.targets', images, targets);
  checkLambda('mixupBatch.lambda', lambda);
  const mix = <T extends tf.Tensor>(t: T) => tf.tidy(() => tf.add(tf.mul(t, lambda), tf.mul(rollByOne(t), 1 - lambda)) as T);
  return { images: mix(images), targets: mix(targets), lambda };
}

/**
 * RandomCutmix's box for λ and a centre (`centerX` in [0, W), `centerY` in [0, H)): half-sides
 * `int(0.5 · √(1 − λ) · W)` and `… · H`, clipped to the image.
 */
export function cutmixBox(lambda: number, height: number, width: number, centerX: number, centerY: number): CropBox {
  checkLambda('cutmixBox.lambda', lambda);
  const r = 0.5 * Math.sqrt(1 - lambda);
  const [halfW, halfH] = [Math.trunc(r * width), Math.trunc(r * height)];
  const [x1, y1] = [Math.max(centerX - halfW, 0), Math.max(centerY - halfH, 0)];
  const [x2, y2] = [Math.min(centerX + halfW, width), Math.min(centerY + halfH, height)];
  return { top: y1, left: x1, height: y2 - y1, width: x2 - x1 };
}

/**
 * The CutMix core for a given box: the box of every image is pasted from the rolled batch, and
 * λ becomes `1 − box area / image area`, which then mixes the targets like MixUp.
 */
export function cutmixBatch(images: tf.Tensor4D, targets: tf.Tensor2D, box: CropBox): MixedBatch {
  checkBatch('cutmixBatch', images);
  checkTargets('cutmixBatch.targets', images, targets);
  const [, h, w] = images.shape;
  const { top, left, height, width } = box;
  if (![top, left, height, width].every((v) => Number.isInteger(v) && v >= 0) || top + height > h || left + width > w) {
    throw new OptionError('cutmixBatch.box', `must be integers inside the ${h}×${w} image, got ${JSON.stringify(box)}`);
  }
  const lambda = 1 - (height * width) / (h * w);
  const [mixed, soft] = tf.tidy(() => {
    const pad: [number, number][] = [
      [0, 0],
      [top, h - top - height],
      [left, w - left - width],
      [0, 0],
    ];
    const inBox = tf.cast(tf.pad(tf.ones([1, height, width, 1]), pad), 'bool');
    return [tf.where(inBox, rollByOne(images), images), tf.add(tf.mul(targets, lambda), tf.mul(rollByOne(targets), 1 - lambda))];
  });
  return { images: mixed as tf.Tensor4D, targets: soft as tf.Tensor2D, lambda };
}

export interface RandomMixOptions {
  numClasses: number;
  /** Probability that the batch is mixed at all (default 0.5, torchvision's). */
  p?: number;
  /** λ ~ Beta(alpha, alpha) (default 1: uniform). */
  alpha?: number;
  seed?: number | Generator;
}

/** A mixing step: images and integer labels `[N]` (or probability targets `[N, K]`) in, a new `MixedBatch` out. */
export type BatchMix = (images: tf.Tensor4D, labels: tf.Tensor) => MixedBatch;

/** Class indices `[N]` (int32) as one-hot float32 `[N, K]`; probability targets `[N, K]` are copied. */
function softTargets(where: string, images: tf.Tensor4D, labels: tf.Tensor, numClasses: number): tf.Tensor2D {
  if (labels.rank === 2) {
    checkTargets(where, images, labels);
    if (labels.shape[1] !== numClasses) throw new ShapeError(where, `targets need ${numClasses} columns, got ${labels.shape[1]}`);
    return tf.clone(labels);
  }
  if (labels.rank !== 1 || labels.shape[0] !== images.shape[0] || labels.dtype !== 'int32') {
    throw new ShapeError(where, `labels must be int32 [${images.shape[0]}], got ${labels.dtype} [${labels.shape.join(',')}]`);
  }
  const bad = Array.from(labels.dataSync()).find((v) => v < 0 || v >= numClasses);
  if (bad !== undefined) throw new OptionError(where, `labels must be class indices in [0, ${numClasses}), got ${bad}`);
  return tf.tidy(() => tf.cast(tf.oneHot(labels as tf.Tensor1D, numClasses), 'float32') as tf.Tensor2D);
}

function mixer(
  where: string,
  options: RandomMixOptions,
  mix: (images: tf.Tensor4D, soft: tf.Tensor2D, lambda: number, g: Generator) => MixedBatch,
): BatchMix {
  const { numClasses, p = 0.5, alpha = 1 } = options;
  if (!(Number.isInteger(numClasses) && numClasses > 0))
    throw new OptionError(`${where}.numClasses`, `must be a positive integer, got ${numClasses}`);
  assertProbability(`${where}.p`, p);
  if (!(Number.isFinite(alpha) && alpha > 0)) throw new OptionError(`${where}.alpha`, `must be a finite number > 0, got ${alpha}`);
  const g = toGenerator(options.seed);
  return (images, labels) => {
    checkBatch(where, images);
    const soft = softTargets(`${where}.labels`, images, labels, numClasses);
    if (g.random() >= p) return { images: tf.clone(images), targets: soft, lambda: 1 };
    try {
      return mix(images, soft, beta(g, alpha, alpha), g);
    } finally {
      soft.dispose();
    }
  };
}

/** torchvision references' `RandomMixup(num_classes, p, alpha)`: with probability `p`, `mixupBatch` with λ ~ Beta(α, α). */
export function randomMixup(options: RandomMixOptions): BatchMix {
  return mixer('randomMixup', options, (images, soft, lambda) => mixupBatch(images, soft, lambda));
}

/** torchvision references' `RandomCutmix(num_classes, p, alpha)`: with probability `p`, λ ~ Beta(α, α), a uniform centre, `cutmixBatch`. */
export function randomCutmix(options: RandomMixOptions): BatchMix {
  return mixer('randomCutmix', options, (images, soft, lambda, g) => {
    const [, h, w] = images.shape;
    const cx = randint(g, w);
    const cy = randint(g, h);
    return cutmixBatch(images, soft, cutmixBox(lambda, h, w, cx, cy));
  });
}
