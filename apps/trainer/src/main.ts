import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import '@convkit/backend-webgl';
import { selectBackend } from '@convkit/core';
import { ArrayDataset, batches, FASHION_MNIST_FILES, type FashionMnistData, fashionMnistFromIdx, normalize } from '@convkit/data';
import { type SmallCNN, smallCnn } from '@convkit/models';
import { AdamW, ConfusionMatrix, evaluate, fit, SGD } from '@convkit/train';
import { saveWeights } from '@convkit/weights';
import { drawChart, type Series } from './chart';
import { renderConfusion } from './confusion';
import { download } from './download';
import './style.css';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const downloadButton = $<HTMLButtonElement>('download');
const backendSelect = $<HTMLSelectElement>('backend');
const chart = document.getElementById('chart') as unknown as SVGSVGElement;

// Fashion-MNIST's mean and std of the training pixels (after scaling to 0..1).
const standardize = normalize([0.286], [0.353]);

async function fetchSplit(split: 'train' | 'test'): Promise<FashionMnistData> {
  const names = FASHION_MNIST_FILES[split];
  const bytes = async (file: string) => {
    const response = await fetch(new URL(file, location.href));
    if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
  const [images, labels] = await Promise.all([bytes(names.images), bytes(names.labels)]);
  return fashionMnistFromIdx({ images, labels }, { names });
}

const [train, test] = await Promise.all([fetchSplit('train'), fetchSplit('test')]);
await selectBackend(['cpu']);
status.textContent = `Data ready: ${train.shape[0]} training and ${test.shape[0]} test images (${train.classNames.join(', ')}).`;
trainButton.disabled = false;

let model: SmallCNN | null = null;
let abort: AbortController | null = null;

async function run(): Promise<void> {
  const trainSize = Number($<HTMLSelectElement>('train-size').value);
  const epochs = Number($<HTMLSelectElement>('epochs').value);
  const batchSize = Number($<HTMLSelectElement>('batch').value);
  // Every class equally: the shipped subset is sorted by class, so take a stride through it.
  const stride = Math.floor(train.shape[0] / trainSize);
  const pick = Array.from({ length: trainSize }, (_, i) => i * stride);
  const images = new Uint8Array(trainSize * 784);
  pick.forEach((from, to) => images.set(train.images.subarray(from * 784, (from + 1) * 784), to * 784));
  const trainData = batches(new ArrayDataset({ images, labels: pick.map((i) => train.labels[i]), imageShape: [28, 28] }), {
    batchSize,
    shuffle: true,
    seed: 0,
    batchTransform: standardize,
  });
  const testData = batches(new ArrayDataset({ images: test.images, labels: test.labels, imageShape: [28, 28] }), {
    batchSize: 250,
    batchTransform: standardize,
  });

  model?.dispose();
  model = smallCnn({ seed: 0 });
  const params = model.trainableParameters();
  const optimizer =
    $<HTMLSelectElement>('optimizer').value === 'sgd' ? new SGD(params, { lr: 0.05, momentum: 0.9 }) : new AdamW(params, { lr: 0.003 });
  const series: Series = { loss: [], accuracy: [], test: [] };
  const total = epochs * trainData.length;
  abort = new AbortController();
  const started = performance.now();
  status.textContent = `Training on ${tf.getBackend()}…`;
  try {
    await fit(model, trainData, {
      epochs,
      optimizer,
      signal: abort.signal,
      onProgress: (e) => {
        if (e.type !== 'batch') return;
        series.loss.push(e.batchLoss ?? e.loss);
        series.accuracy.push(e.accuracy ?? 0);
        drawChart(chart, series, total);
        status.textContent = `Epoch ${e.epoch + 1}/${epochs}, batch ${e.batch + 1}/${e.batches}: loss ${e.loss.toFixed(3)}, accuracy ${(100 * (e.accuracy ?? 0)).toFixed(1)} % · ${e.examplesPerSec.toFixed(0)} images/s on ${tf.getBackend()}`;
        downloadButton.disabled = false;
      },
      callbacks: [
        {
          // The test set after every epoch, with the confusion matrix.
          onEpochEnd: async () => {
            const cm = new ConfusionMatrix(10, train.classNames);
            const result = await evaluate(model!, testData, { confusionMatrix: cm });
            series.test.push({ batch: series.loss.length - 1, accuracy: result.accuracy ?? 0 });
            drawChart(chart, series, total);
            $('confusion').replaceChildren(renderConfusion(cm, train.classNames));
          },
        },
      ],
    });
    const last = series.test.at(-1)?.accuracy ?? 0;
    status.innerHTML = `Done in ${((performance.now() - started) / 1000).toFixed(1)} s: test accuracy <b data-testid="test-accuracy">${(100 * last).toFixed(1)} %</b> on ${test.shape[0]} images.`;
  } catch (e) {
    status.textContent = abort.signal.aborted ? `Stopped after ${series.loss.length} batches.` : `Training failed: ${(e as Error).message}`;
  }
}

trainButton.addEventListener('click', async () => {
  trainButton.disabled = true;
  stopButton.disabled = false;
  try {
    await run();
  } finally {
    trainButton.disabled = false;
    stopButton.disabled = true;
  }
});
stopButton.addEventListener('click', () => abort?.abort());
downloadButton.addEventListener('click', () => {
  if (!model) return;
  download(saveWeights(model), 'fashion-mnist-small-cnn.safetensors');
});
backendSelect.addEventListener('change', async () => {
  try {
    await selectBackend([backendSelect.value]);
  } catch (e) {
    status.textContent = (e as Error).message;
  }
  backendSelect.value = tf.getBackend();
});
drawChart(chart, { loss: [], accuracy: [], test: [] }, 2);
