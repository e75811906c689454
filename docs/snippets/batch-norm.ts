import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d } from '@convkit/regularization';

const bn = new BatchNorm2d(1); // momentum 0.1, like PyTorch
const batch = tf.tensor4d([2, 4, 6, 8], [4, 1, 1, 1]); // mean 5, biased variance 5

// Training: normalised with the batch's own statistics; the running mean moves 10 % towards 5.
bn.train();
const y = bn.forward(batch);
console.log(
  'train output:',
  Array.from(y.dataSync(), (v) => +v.toFixed(3)),
);
console.log('running mean:', bn.runningMean?.dataSync()[0].toFixed(3));

// Evaluation: normalised with the running statistics, one example at a time is fine.
bn.eval();
console.log(
  'eval output: ',
  Array.from(bn.forward(batch).dataSync(), (v) => +v.toFixed(3)),
);
