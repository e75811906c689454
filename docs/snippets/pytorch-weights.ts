import '@convkit/backend-cpu';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d, Dropout } from '@convkit/regularization';
import { loadWeights } from '@convkit/weights';

// The same modules in the same order as the nn.Sequential, so the state-dict keys match
// ("0.weight", "1.running_mean", "10.bias", …).
const model = new Sequential(
  new Conv2d(1, 16, 3, { padding: 1, bias: false }),
  new BatchNorm2d(16),
  new ReLU(),
  new MaxPool2d({ kernelSize: 2 }),
  new Conv2d(16, 32, 3, { padding: 1, bias: false }),
  new BatchNorm2d(32),
  new ReLU(),
  new MaxPool2d({ kernelSize: 2 }),
  // PyTorch flattened C,H,W; convkit flattens NHWC as H,W,C: say so, and the loader reorders the columns.
  new Flatten(),
  new Dropout(0.25),
  new Linear(32 * 7 * 7, 10, { flattenedInput: { height: 7, width: 7, channels: 32 } }),
);

// A path (Node), a URL, a File from an <input>, or bytes: the format is sniffed from the content.
const file = fileURLToPath(new URL('fixtures/small-cnn.pth', import.meta.url));
const result = await loadWeights(model, file);
console.log(`${result.format}: loaded ${result.loaded.length} tensors`);

// The same input as the PyTorch script (one channel, so NCHW and NHWC hold the same numbers).
const x = tf.reshape(tf.div(tf.range(0, 28 * 28), 28 * 28), [1, 28, 28, 1]);
const logits = model.predict(x);
console.log(
  'logits:',
  Array.from(logits.dataSync(), (v) => +v.toFixed(4)),
);
tf.dispose([x, logits]);
