import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ArrayDataset, batches, compose, type FashionMnistData, normalize, randomHorizontalFlip, resize, type Transform } from '@convkit/data';
import { DEBIAN_FASHION_MNIST_DIR, fashionMnist } from '@convkit/data/node';
import { createModel, modelInfo, smallCnn } from '@convkit/models';
import type { ImageClassifier } from '@convkit/core';
import { ConfusionMatrix, CosineAnnealingLR, evaluate, fit, SGD } from '@convkit/train';
import { loadWeights, saveWeights } from '@convkit/weights';
import type { Command } from 'commander';
import { positiveInt, positiveNumber } from '../format';
import { progressPrinter } from '../progress';

// Fashion-MNIST's pixel mean and standard deviation (of the training set, in [0, 1]).
const MEAN = [0.286];
const STD = [0.353];

export interface TrainOptions {
  model: string;
  data?: string;
  subset?: boolean;
  epochs: number;
  batchSize: number;
  lr: number;
  limit?: number;
  seed: number;
  out: string;
}

function load(opts: TrainOptions, split: 'train' | 'test'): FashionMnistData {
  const subset = opts.subset || (!opts.data && !existsSync(join(DEBIAN_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')));
  return subset ? fashionMnist({ split, subset: true, limit: opts.limit }) : fashionMnist({ split, dir: opts.data, limit: opts.limit });
}

/** Trains the course's small CNN on Fashion-MNIST, reports accuracy and a confusion matrix, saves and reloads the weights. */
export async function trainFashion(opts: TrainOptions): Promise<void> {
  const started = performance.now();
  if (opts.model !== 'small_cnn') modelInfo(opts.model); // an unknown name fails before any loading
  const train = load(opts, 'train');
  const test = load(opts, 'test');
  const source = opts.subset || (!opts.data && train.images.length < 60000 * 784) ? 'the subset shipped with @convkit/data' : opts.data ?? DEBIAN_FASHION_MNIST_DIR;
  console.log(`Fashion-MNIST from ${source}: ${train.labels.length} training and ${test.labels.length} test images, 28×28, 10 classes\n`);

  // The small CNN takes 28×28×1; torchvision architectures get 3 channels at 32×32.
  const small = opts.model === 'small_cnn';
  const inputShape = small ? [1, 28, 28, 1] : [1, 32, 32, 3];
  const build = (seed: number): ImageClassifier => (small ? smallCnn({ seed }) : createModel(opts.model, { numClasses: 10, seed }));
  const adapt: Transform[] = small ? [] : [resize(32), (x) => tf.tile(x, [1, 1, 1, 3]) as tf.Tensor4D];

  const toDataset = (d: FashionMnistData) => new ArrayDataset({ images: d.images, labels: d.labels, imageShape: [28, 28, 1] });
  const trainData = batches(toDataset(train), {
    batchSize: opts.batchSize,
    shuffle: true,
    seed: opts.seed,
    batchTransform: compose([randomHorizontalFlip({ seed: opts.seed }), normalize(MEAN, STD), ...adapt]),
  });
  const testTransform = compose([normalize(MEAN, STD), ...adapt]);
  const testData = batches(toDataset(test), { batchSize: 256, batchTransform: testTransform });

  const model = build(opts.seed);
  console.log(`${model.summary(inputShape).toString()}\n`);
  const optimizer = new SGD(model.trainableParameters(), { lr: opts.lr, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: opts.epochs });
  await fit(model, trainData, { epochs: opts.epochs, optimizer, scheduler, valData: testData, onProgress: progressPrinter() });

  const matrix = new ConfusionMatrix(10, train.classNames);
  const result = await evaluate(model, testData, { confusionMatrix: matrix });
  console.log(`\nTest accuracy: ${(100 * (result.accuracy ?? 0)).toFixed(2)}%  (loss ${result.loss.toFixed(4)})\n`);
  console.log(`Confusion matrix (rows: true class, columns: predicted)\n${matrix.toString()}\n`);

  // Save, reload into a fresh model and show that it predicts the same.
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(`${opts.out}.partial`, saveWeights(model));
  renameSync(`${opts.out}.partial`, opts.out);
  const reloaded = build(opts.seed + 1);
  await loadWeights(reloaded, opts.out);
  console.log(`Saved the weights to ${opts.out} and loaded them into a fresh model. A few test images:`);
  const shown = 6;
  const x = tf.tidy(() => testTransform(tf.div(tf.tensor4d(Float32Array.from(test.images.subarray(0, shown * 784)), [shown, 28, 28, 1]), 255) as tf.Tensor4D));
  const probabilities = tf.tidy(() => tf.softmax(reloaded.predict(x)));
  const p = probabilities.arraySync() as number[][];
  for (let i = 0; i < shown; i++) {
    const best = p[i].indexOf(Math.max(...p[i]));
    const mark = best === test.labels[i] ? '✓' : '✗';
    console.log(`  ${mark} image ${i}: ${train.classNames[best]} (${(100 * p[i][best]).toFixed(1)}%), true: ${train.classNames[test.labels[i]]}`);
  }
  tf.dispose([x, probabilities]);
  model.dispose();
  reloaded.dispose();
  console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

export function registerTrain(program: Command): void {
  const common = (cmd: Command) =>
    cmd
      .option('--epochs <n>', 'training epochs (demo: 1, train: 10)', positiveInt('--epochs'))
      .option('--batch-size <n>', 'examples per batch', positiveInt('--batch-size'), 64)
      .option('--lr <rate>', 'initial learning rate (SGD, Nesterov momentum 0.9, cosine schedule)', positiveNumber('--lr'), 0.05)
      .option('--limit <n>', 'use only the first n images of each split', positiveInt('--limit'))
      .option('--seed <n>', 'seed for initialisation, shuffling and dropout', positiveInt('--seed'), 1)
      .option('--out <file>', 'where to save the weights (safetensors)', 'convkit-fashion-cnn.safetensors');

  common(program.command('demo'))
    .description("the course in one command: train a small CNN on Fashion-MNIST (the shipped subset), then test, save and reload it")
    .action((opts: TrainOptions) => trainFashion({ ...opts, model: 'small_cnn', subset: true, epochs: opts.epochs ?? 1 }));

  common(program.command('train'))
    .description('train the small CNN on Fashion-MNIST (the full Debian data set when installed, else the shipped subset)')
    .option('--data <dir>', 'a folder with Fashion-MNIST IDX files (default: /usr/share/datasets/fashion-mnist)')
    .option('--subset', 'use the 7,000-image subset shipped with @convkit/data')
    .option('--model <name>', "'small_cnn', or a torchvision name (trained at 32×32×3 on the same data)", 'small_cnn')
    .action((opts: TrainOptions) => trainFashion({ ...opts, epochs: opts.epochs ?? 10 }));
}
