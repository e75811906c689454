import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ArrayDataset, batches, type FashionMnistData, normalize } from '@convkit/data';
import { fashionMnist } from '@convkit/data/node';
import { featureMaps, gradCam } from '@convkit/explain';
import { smallCnn } from '@convkit/models';
import { AdamW, evaluate, fit, OneCycleLR } from '@convkit/train';

// `convkit demo`'s recipe: the small CNN, 3 epochs of AdamW with a one-cycle schedule on the
// 6,000 training images shipped with @convkit/data (20–30 s on two cores).
const train = fashionMnist({ split: 'train', subset: true });
const test = fashionMnist({ split: 'test', subset: true });
const toInput = normalize([0.286], [0.353]); // Fashion-MNIST's mean and std, pixels in [0, 1]
const data = (d: FashionMnistData) => new ArrayDataset({ images: d.images, labels: d.labels, imageShape: [28, 28, 1] });

const model = smallCnn({ seed: 1, dropout2d: 0, dropout: 0.1 });
const optimizer = new AdamW(model.trainableParameters(), { lr: 0.005, weightDecay: 0.01 });
const scheduler = new OneCycleLR(optimizer, { maxLr: 0.005, epochs: 3, stepsPerEpoch: Math.ceil(6000 / 64) });
const trainData = batches(data(train), { batchSize: 64, shuffle: true, seed: 1, batchTransform: toInput });
await fit(model, trainData, { epochs: 3, optimizer, scheduler, schedulerInterval: 'batch' });
const { accuracy = 0 } = await evaluate(model, batches(data(test), { batchSize: 256, batchTransform: toInput }));
console.log(`test accuracy: ${(100 * accuracy).toFixed(1)} %`);

// The 1,000 test images: pixels in [0, 1], and as the network sees them.
const n = test.labels.length;
const pixels = tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(test.images), [n, 28, 28, 1]), 255) as tf.Tensor4D);
const x = toInput(pixels);

// Feature maps of the first T-shirt after the first block's ReLU: which of the 32 maps follows
// the course's vertical-edge kernel ([-1, 0, 1] on each row) best, for rising and falling edges?
const tshirt = test.labels.indexOf(0);
const image = tf.slice(x, [tshirt, 0, 0, 0], [1, 28, 28, 1]);
const maps = featureMaps(model, image, ['features.2', 'features.6']);
const correlation = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => {
    const [da, db] = [a, b].map((t) => tf.sub(t, tf.mean(t, [0, 1, 2], true)));
    const norms = tf.sqrt(tf.mul(tf.sum(tf.square(da), [0, 1, 2]), tf.sum(tf.square(db), [0, 1, 2])));
    return Array.from(tf.div(tf.sum(tf.mul(da, db), [0, 1, 2]), norms).dataSync()); // one r per channel
  });
const kernel = tf.tensor4d([-1, 0, 1, -1, 0, 1, -1, 0, 1], [3, 3, 1, 1]);
const edges = tf.tidy(() => tf.conv2d(tf.slice(pixels, [tshirt, 0, 0, 0], [1, 28, 28, 1]), kernel, 1, 'same'));
for (const [name, sign] of [
  ['rising', 1],
  ['falling', -1],
] as const) {
  const r = tf.tidy(() => correlation(maps['features.2'], tf.relu(tf.mul(edges, sign))));
  const valid = r.map((v) => (Number.isNaN(v) ? -1 : v)); // NaN: a constant map
  const best = valid.indexOf(Math.max(...valid));
  console.log(`features.2 map ${best} follows the ${name} vertical edges: r = ${valid[best].toFixed(2)}`);
}
console.log(`features.2: [${maps['features.2'].shape.join(', ')}], features.6: [${maps['features.6'].shape.join(', ')}]`);

// Grad-CAM of the last conv stage ('features', 7×7) for each image's top class. Of all the heat
// over the 1,000 images, how much lies on the garment (pixels > 25 of 255), and within 2 pixels of it?
const garment = tf.tidy(() => tf.cast(tf.greater(pixels, 25 / 255), 'float32') as tf.Tensor4D);
const nearGarment = tf.maxPool(garment, 5, 1, 'same'); // the garment grown by 2 pixels
const percent = (t: tf.Tensor) => `${(100 * t.dataSync()[0]).toFixed(0)} %`.padStart(13);
const row = (label: string, heat: tf.Tensor) =>
  tf.tidy(() => {
    const on = (region: tf.Tensor) => percent(tf.div(tf.sum(tf.mul(heat, region)), tf.sum(heat)));
    console.log(`${label.padEnd(24)}${on(garment)}${on(nearGarment)}`);
  });
console.log(`${`${n} test images`.padEnd(24)}${'on garment'.padStart(13)}${'within 2 px'.padStart(13)}`);
tf.tidy(() => row('area', tf.onesLike(garment)));
const untrained = smallCnn({ seed: 1, dropout2d: 0, dropout: 0.1 });
for (const [label, net, method] of [
  ['Grad-CAM', model, 'gradcam'],
  ['Grad-CAM++', model, 'gradcam++'],
  ['Grad-CAM, untrained net', untrained, 'gradcam'],
] as const) {
  const { heatmap, logits } = gradCam(net, x, { method });
  tf.tidy(() => row(label, tf.expandDims(heatmap, 3)));
  tf.dispose([heatmap, logits]);
}

tf.dispose([pixels, x, image, kernel, edges, garment, nearGarment, ...Object.values(maps)]);
model.dispose();
optimizer.dispose();
untrained.dispose();
