import type { ImageClassifier } from '@convkit/core';
import type { ConfusionMatrix } from '@convkit/train';
import { bytes, count, table } from '../format';
import type { LoadedFolder } from './load-images';

export function printModel(name: string, model: ImageClassifier, freeze: string): void {
  const total = model.numParameters();
  const trainable = model.numParameters({ trainableOnly: true });
  const frozen = trainable === total ? 'nothing frozen' : `--freeze ${freeze}`;
  console.log(`model ${name}: ${count(total)} parameters, ${count(trainable)} trainable (${frozen})`);
}

export function printData(folder: string, data: LoadedFolder): void {
  const per = (labels: Int32Array) => data.classes.map((_, c) => labels.reduce((n, l) => n + (l === c ? 1 : 0), 0));
  const [train, val] = [per(data.train.labels), per(data.val.labels)];
  const from = data.source === 'folders' ? `${folder}/train and ${folder}/val` : `${folder} (a seeded, per-class validation split)`;
  console.log(`\n${data.classes.length} classes from ${from}:`);
  const rows = data.classes.map((c, i) => [String(i), c, String(train[i]), String(val[i])]);
  rows.push(['', 'total', String(data.train.labels.length), String(data.val.labels.length)]);
  console.log(table(['label', 'class', 'train', 'val'], rows, [0, 2, 3]));
  if (data.bad.length) {
    console.log(`\nskipped ${data.bad.length} file(s) that cannot be used:`);
    for (const b of data.bad) console.log(`  ${b.path}: ${b.reason}`);
  }
  const { size } = data.train;
  const kept = data.train.images.byteLength + data.val.images.byteLength;
  console.log(`\nimages decoded once, resized and centre-cropped to ${size}×${size}, kept as uint8: ${bytes(kept)} in memory`);
}

/** Accuracy per class (recall: correct / images of the class) and the confusion matrix. */
export function printEvaluation(matrix: ConfusionMatrix, classes: readonly string[]): Record<string, number> {
  const recall = matrix.recall();
  const perClass = Object.fromEntries(classes.map((c, i) => [c, recall[i]]));
  const rows = classes.map((c, i) => {
    const n = matrix.counts[i].reduce((a, b) => a + b, 0);
    return [c, `${matrix.counts[i][i]}/${n}`, `${(100 * recall[i]).toFixed(1)}%`];
  });
  console.log(`\nper-class validation accuracy:\n${table(['class', 'correct', 'accuracy'], rows, [1, 2])}`);
  console.log(`\nconfusion matrix (rows: true class, columns: predicted)\n${matrix.toString()}`);
  return perClass;
}
