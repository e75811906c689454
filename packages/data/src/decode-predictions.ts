import { ConvkitError, OptionError, ShapeError } from '@convkit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { IMAGENET_CLASSES } from './imagenet-classes';

export interface Prediction {
  index: number;
  className: string;
  /** softmax(logits)[index] */
  probability: number;
}

export interface DecodePredictionsOptions {
  /** How many classes to return per example, most probable first (default 5). */
  topK?: number;
  /** Names by logit index (default: the 1000 ImageNet classes). */
  classNames?: readonly string[];
}

/**
 * The `topK` most probable classes of each example from classifier logits (`[N, classes]`, or
 * `[classes]` for one example): softmax, then sort. Reads the tensor synchronously and does not
 * dispose it. On GPU backends prefer `decodePredictionsAsync`, which does not block.
 */
export function decodePredictions(logits: tf.Tensor, options: DecodePredictionsOptions = {}): Prediction[][] {
  const [rows, classes] = checkLogits(logits, options);
  return decode(logits.dataSync() as Float32Array, rows, classes, options);
}

/** `decodePredictions` reading the logits with `await tensor.data()`. */
export async function decodePredictionsAsync(logits: tf.Tensor, options: DecodePredictionsOptions = {}): Promise<Prediction[][]> {
  const [rows, classes] = checkLogits(logits, options);
  return decode((await logits.data()) as Float32Array, rows, classes, options);
}

function checkLogits(logits: tf.Tensor, { topK = 5, classNames = IMAGENET_CLASSES }: DecodePredictionsOptions): [number, number] {
  if (logits.rank !== 1 && logits.rank !== 2) {
    throw new ShapeError('decodePredictions', `logits must be [N, classes] or [classes], got shape [${logits.shape.join(',')}]`);
  }
  if (logits.dtype !== 'float32') throw new ShapeError('decodePredictions', `logits must be float32, got ${logits.dtype}`);
  const [rows, classes] = logits.rank === 2 ? logits.shape : [1, logits.shape[0]];
  if (classes !== classNames.length) {
    throw new ShapeError('decodePredictions', `logits have ${classes} classes but classNames has ${classNames.length} names`);
  }
  if (!Number.isInteger(topK) || topK < 1 || topK > classes) {
    throw new OptionError('decodePredictions.topK', `must be an integer in [1, ${classes}], got ${topK}`);
  }
  return [rows, classes];
}

function decode(
  data: Float32Array,
  rows: number,
  classes: number,
  { topK = 5, classNames = IMAGENET_CLASSES }: DecodePredictionsOptions,
): Prediction[][] {
  const result: Prediction[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * classes, (r + 1) * classes);
    const bad = row.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ConvkitError(`decodePredictions: logits[${r}][${bad}]`, `logits must be finite, got ${row[bad]}`);
    // Subtracting the max keeps exp() finite for large logits; the sum is in float64.
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const order = Array.from({ length: classes }, (_, i) => i).sort((a, b) => row[b] - row[a] || a - b);
    result.push(
      order.slice(0, topK).map((index) => ({ index, className: classNames[index], probability: Math.exp(row[index] - max) / sum })),
    );
  }
  return result;
}
