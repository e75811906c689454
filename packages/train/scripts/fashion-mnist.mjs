#!/usr/bin/env node
// Trains the small Fashion-MNIST CNN with @convkit/train and prints test accuracy and seconds
// per epoch; scripts/fixtures/fashion_mnist_torch.py is the PyTorch twin (same network, data,
// optimizer, schedule and batch size). Needs the packages built (`pnpm build`).
//   node packages/train/scripts/fashion-mnist.mjs [--epochs 10] [--limit 60000] [--test-limit 10000]
//        [--batch-size 128] [--lr 0.05] [--seed 0] [--dir /usr/share/datasets/fashion-mnist]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { manualSeed } from '@convkit/core';
import { ArrayDataset, batches, FASHION_MNIST_CLASSES, normalize } from '@convkit/data';
import { fashionMnist } from '@convkit/data/node';
import { smallCnn } from '@convkit/models';
import { CosineAnnealingLR, ConfusionMatrix, evaluate, fit, SGD } from '@convkit/train';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    limit: { type: 'string' },
    'test-limit': { type: 'string' },
    'batch-size': { type: 'string', default: '128' },
    lr: { type: 'string', default: '0.05' },
    seed: { type: 'string', default: '0' },
    dir: { type: 'string' },
  },
});
const epochs = Number(values.epochs);
const batchSize = Number(values['batch-size']);
const limit = (v) => (v === undefined ? undefined : Number(v));

await tf.setBackend('cpu');
manualSeed(Number(values.seed));

// Fashion-MNIST's pixel mean and standard deviation (of the training set, in [0, 1]).
const norm = normalize([0.286], [0.353]);
const load = (split, n) => {
  const d = fashionMnist({ split, dir: values.dir, limit: limit(n) });
  return new ArrayDataset({ images: d.images, labels: d.labels, imageShape: [28, 28, 1] });
};
const trainSet = load('train', values.limit);
const testSet = load('test', values['test-limit']);
const train = batches(trainSet, { batchSize, shuffle: true, seed: Number(values.seed), batchTransform: norm });
const test = batches(testSet, { batchSize: 500, batchTransform: norm });

// The course's small CNN: Conv-BN-ReLU-Pool (32, 64), Dropout2d 0.2, Linear 128, Dropout 0.3, Linear 10.
const model = smallCnn({ seed: Number(values.seed) });
const optimizer = new SGD(model.trainableParameters(), { lr: Number(values.lr), momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
// Cosine over every iteration of the run, to zero (PyTorch: CosineAnnealingLR(T_max=epochs·len(loader)) stepped per batch).
const scheduler = new CosineAnnealingLR(optimizer, { tMax: epochs * train.length });

console.log(
  `backend ${tf.getBackend()}: ${trainSet.length} train / ${testSet.length} test images, ${model.numParameters()} parameters, ${epochs} epochs of ${train.length} batches`,
);
let lastLine = 0;
const history = await fit(model, train, {
  epochs,
  optimizer,
  scheduler,
  schedulerInterval: 'batch',
  onProgress: (e) => {
    const now = Date.now();
    if (e.type === 'batch' && now - lastLine < 5000) return;
    lastLine = now;
    const tail = e.etaSeconds === undefined ? '' : ` eta ${Math.round(e.etaSeconds)} s`;
    console.log(
      `epoch ${e.epoch + 1}/${epochs} ${e.type === 'batch' ? `batch ${e.batch + 1}/${e.batches}` : 'done'} loss ${e.loss.toFixed(4)} acc ${(100 * e.accuracy).toFixed(2)}% lr ${e.lr.toPrecision(3)} ${Math.round(e.examplesPerSec)} img/s${tail}`,
    );
  },
});
const confusion = new ConfusionMatrix(10, FASHION_MNIST_CLASSES);
const final = await evaluate(model, test, { confusionMatrix: confusion });
const secondsPerEpoch = history.epochs.reduce((s, e) => s + e.seconds, 0) / history.epochs.length;
console.log(confusion.toString());
console.log(
  `test accuracy ${(100 * final.accuracy).toFixed(2)}% | ${secondsPerEpoch.toFixed(1)} s per epoch (training only, ${tf.getBackend()})`,
);
optimizer.dispose();
model.dispose();
