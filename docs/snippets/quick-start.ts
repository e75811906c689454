import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@convkit/core';
import { createModel } from '@convkit/models';

const { backend } = await selectBackend(['cpu']);
const model = createModel('resnet18', { numClasses: 10, seed: 0 }).eval();
const logits = model.predict(tf.zeros([1, 64, 64, 3]));
console.log(backend, logits.shape); // cpu [ 1, 10 ]
console.log(model.numParameters().toLocaleString('en-US'));
logits.dispose();
model.dispose();
