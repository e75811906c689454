import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d, Dropout } from '@convkit/regularization';

// Conv → BatchNorm → ReLU → Pool, twice; Dropout only in front of the classifier.
// The conv before a BatchNorm needs no bias: BatchNorm's own shift replaces it.
const model = new Sequential(
  new Conv2d(1, 16, 3, { padding: 1, bias: false }),
  new BatchNorm2d(16),
  new ReLU(),
  new MaxPool2d({ kernelSize: 2 }),
  new Conv2d(16, 32, 3, { padding: 1, bias: false }),
  new BatchNorm2d(32),
  new ReLU(),
  new MaxPool2d({ kernelSize: 2 }),
  new Flatten(),
  new Dropout(0.25),
  new Linear(32 * 7 * 7, 10),
);
console.log(model.summary([1, 28, 28, 1]).toString());

model.eval(); // BatchNorm uses its running statistics, Dropout is off
const logits = model.predict(tf.zeros([2, 28, 28, 1]));
console.log(logits.shape);
