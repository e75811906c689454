import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError, shapeString } from '@convkit/core';

/**
 * A confusion matrix accumulated over batches: `counts[actual][predicted]`. `update` takes
 * `[N, C]` scores (argmax is the prediction) or `[N]` predicted classes, and `[N]` labels.
 */
export class ConfusionMatrix {
  readonly counts: number[][];

  constructor(
    readonly numClasses: number,
    readonly classNames?: readonly string[],
  ) {
    if (!Number.isInteger(numClasses) || numClasses < 1)
      throw new OptionError('ConfusionMatrix.numClasses', `must be a positive integer, got ${numClasses}`);
    if (classNames && classNames.length !== numClasses) {
      throw new OptionError('ConfusionMatrix.classNames', `expected ${numClasses} names, got ${classNames.length}`);
    }
    this.counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  }

  update(predictions: tf.Tensor, labels: tf.Tensor): this {
    const rowsOk = predictions.rank === 1 || (predictions.rank === 2 && predictions.shape[1] === this.numClasses);
    if (!rowsOk || labels.rank !== 1 || labels.shape[0] !== predictions.shape[0]) {
      throw new ShapeError(
        'ConfusionMatrix.update',
        `expected scores [N, ${this.numClasses}] or classes [N], and labels [N]; got ${shapeString(predictions.shape)} and ${shapeString(labels.shape)}`,
      );
    }
    const predicted = predictions.rank === 2 ? tf.tidy(() => tf.argMax(predictions, 1)) : predictions;
    const p = predicted.dataSync();
    if (predicted !== predictions) predicted.dispose();
    const y = labels.dataSync();
    for (let i = 0; i < y.length; i++) {
      const [a, b] = [y[i] as number, p[i] as number];
      for (const [name, v] of [
        ['labels', a],
        ['predictions', b],
      ] as const) {
        if (!Number.isInteger(v) || v < 0 || v >= this.numClasses)
          throw new OptionError(`ConfusionMatrix.update: ${name}[${i}]`, `must be a class in [0, ${this.numClasses}), got ${v}`);
      }
      this.counts[a][b] += 1;
    }
    return this;
  }

  get total(): number {
    return this.counts.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  }

  /** Fraction on the diagonal. */
  get accuracy(): number {
    return this.counts.reduce((s, row, i) => s + row[i], 0) / this.total;
  }

  /** Per class: correct / examples of that class (NaN for a class never seen). */
  recall(): number[] {
    return this.counts.map((row, i) => row[i] / row.reduce((a, b) => a + b, 0));
  }

  /** Per class: correct / predictions of that class (NaN for a class never predicted). */
  precision(): number[] {
    return this.counts.map((_, j) => this.counts[j][j] / this.counts.reduce((s, row) => s + row[j], 0));
  }

  reset(): this {
    for (const row of this.counts) row.fill(0);
    return this;
  }

  /**
   * A fixed-width table: one row per actual class, one column per predicted class, and each
   * class's recall at the end of its row.
   */
  toString(): string {
    const names = this.classNames ?? this.counts.map((_, i) => String(i));
    const rowLabels = names.map((n, i) => `${i} ${n}`);
    const corner = 'actual \\ predicted';
    const label = Math.max(corner.length, ...rowLabels.map((n) => n.length));
    const width = Math.max(4, ...this.counts.flat().map((c) => String(c).length));
    const header = `${corner.padEnd(label)} ${names.map((_, i) => String(i).padStart(width)).join(' ')}  recall`;
    const recall = this.recall();
    const rows = this.counts.map((row, i) => {
      const r = Number.isNaN(recall[i]) ? '     -' : `${(100 * recall[i]).toFixed(1).padStart(5)}%`;
      return `${rowLabels[i].padEnd(label)} ${row.map((c) => String(c).padStart(width)).join(' ')}  ${r}`;
    });
    return [header, ...rows, `accuracy ${(100 * this.accuracy).toFixed(2)}% of ${this.total}`].join('\n');
  }
}
