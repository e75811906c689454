import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Dropout } from '@convkit/regularization';

const dropout = new Dropout(0.5, 42); // p = 0.5, seeded so the example repeats;
const x = tf.ones([1, 8]);

// Training: about half the values become 0, the others are scaled by 1 / (1 - p) = 2,
// so the expected value stays 1.
dropout.train();
console.log('train:', dropout.forward(x).dataSync().join(' '));

// Evaluation: dropout does nothing.
dropout.eval();
console.log('eval: ', dropout.forward(x).dataSync().join(' '));
