// Draws the images of guide/inside-a-cnn.md into public/inside-a-cnn/: the small CNN trained
// with the recipe of snippets/inside-a-cnn.ts (`convkit demo`'s, same seed), then one test
// image per class, the feature maps of the first image and Grad-CAM over each image. The PNGs
// are committed; rerun after a change to the recipe or to @convkit/explain (built packages):
//   node scripts/inside-a-cnn.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { ArrayDataset, batches, normalize } from '@convkit/data';
import { fashionMnist } from '@convkit/data/node';
import { featureMapGrid, featureMaps, gradCam, overlayHeatmap } from '@convkit/explain';
import { smallCnn } from '@convkit/models';
import { AdamW, evaluate, fit, OneCycleLR } from '@convkit/train';
import pngjs from 'pngjs';

const out = new URL('../public/inside-a-cnn/', import.meta.url);
const SCALE = 4; // 28×28 images shown at 112×112
const GAP = 4;

// The snippet's recipe, line for line.
const train = fashionMnist({ split: 'train', subset: true });
const test = fashionMnist({ split: 'test', subset: true });
const toInput = normalize([0.286], [0.353]);
const data = (d) => new ArrayDataset({ images: d.images, labels: d.labels, imageShape: [28, 28, 1] });
const model = smallCnn({ seed: 1, dropout2d: 0, dropout: 0.1 });
const optimizer = new AdamW(model.trainableParameters(), { lr: 0.005, weightDecay: 0.01 });
const scheduler = new OneCycleLR(optimizer, { maxLr: 0.005, epochs: 3, stepsPerEpoch: Math.ceil(6000 / 64) });
const trainData = batches(data(train), { batchSize: 64, shuffle: true, seed: 1, batchTransform: toInput });
await fit(model, trainData, { epochs: 3, optimizer, scheduler, schedulerInterval: 'batch' });
// The same figure as the snippet's first line: the same network.
const { accuracy = 0 } = await evaluate(model, batches(data(test), { batchSize: 256, batchTransform: toInput }));
console.log(`test accuracy: ${(100 * accuracy).toFixed(1)} %`);

// The first test image of each class, in class order.
const picked = test.classNames.map((_, c) => test.labels.indexOf(c));
const pixels = picked.map((i) => test.images.subarray(i * 784, (i + 1) * 784));
const x = tf.tidy(() => {
  const raw = tf.tensor4d(Float32Array.from(pixels.flatMap((p) => Array.from(p))), [picked.length, 28, 28, 1]);
  return toInput(tf.div(raw, 255));
});

/** Nearest-neighbour enlargement of RGBA pixels, so that each pixel stays a visible square. */
function enlarge({ data, width, height }, k) {
  const big = new Uint8ClampedArray(width * k * height * k * 4);
  for (let y = 0; y < height * k; y++)
    for (let x = 0; x < width * k; x++) {
      const from = (Math.floor(y / k) * width + Math.floor(x / k)) * 4;
      big.set(data.subarray(from, from + 4), (y * width * k + x) * 4);
    }
  return { data: big, width: width * k, height: height * k };
}

/** Images of one height side by side, white between them. */
function beside(images) {
  const height = images[0].height;
  const width = images.reduce((w, im) => w + im.width, 0) + GAP * (images.length - 1);
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  let left = 0;
  for (const im of images) {
    for (let y = 0; y < height; y++) data.set(im.data.subarray(y * im.width * 4, (y + 1) * im.width * 4), (y * width + left) * 4);
    left += im.width + GAP;
  }
  return { data, width, height };
}

/** Images of one width one above the other, `gap` white rows between them. */
function above(images, gap) {
  const width = images[0].width;
  const height = images.reduce((h, im) => h + im.height, 0) + gap * (images.length - 1);
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  let top = 0;
  for (const im of images) {
    data.set(im.data, top * width * 4);
    top += im.height + gap;
  }
  return { data, width, height };
}

function save(name, { data, width, height }) {
  const png = new pngjs.PNG({ width, height });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const bytes = pngjs.PNG.sync.write(png, { colorType: 6 });
  writeFileSync(new URL(name, out), bytes);
  console.log(`${name}: ${width}×${height}, ${(bytes.length / 1024).toFixed(1)} KB`);
}

const grey = (p) => ({ data: p, width: 28, height: 28, channels: 1 });
const noHeat = new Float32Array(784);
mkdirSync(out, { recursive: true });

// The images as RGBA (an overlay with alpha 0 is the grey image itself).
const inputs = pixels.map((p) => enlarge(overlayHeatmap(grey(p), noHeat, { alpha: 0 }), SCALE));
save('t-shirt.png', inputs[0]);

// The T-shirt's feature maps after each block's ReLU: 32 maps of 28×28, 64 of 14×14.
const first = tf.slice(x, [0, 0, 0, 0], [1, 28, 28, 1]);
const maps = featureMaps(model, first, ['features.2', 'features.6']);
save('features-2.png', featureMapGrid(maps['features.2'], { columns: 8, tileSize: 56 }));
save('features-6.png', featureMapGrid(maps['features.6'], { columns: 8, tileSize: 56 }));

// Grad-CAM and Grad-CAM++ of the last conv stage for each image's top class, over the image:
// one column per class, image / Grad-CAM / Grad-CAM++, in two blocks of five classes.
const rows = [inputs];
for (const method of ['gradcam', 'gradcam++']) {
  const { heatmap, classIndex, logits } = gradCam(model, x, { method });
  const heat = heatmap.dataSync();
  rows.push(pixels.map((p, i) => enlarge(overlayHeatmap(grey(p), heat.subarray(i * 784, (i + 1) * 784)), SCALE)));
  console.log(`${method}, predicted: ${classIndex.map((c) => test.classNames[c]).join(', ')}`);
  tf.dispose([heatmap, logits]);
}
const block = (from) =>
  above(
    rows.map((images) => beside(images.slice(from, from + 5))),
    GAP,
  );
save('grad-cam.png', above([block(0), block(5)], 4 * GAP));

tf.dispose([x, first, ...Object.values(maps)]);
model.dispose();
