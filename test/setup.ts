// Node test runs use the CPU backend; every test file starts from it.
import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';

tf.env().set('IS_TEST', true);
await tf.setBackend('cpu');
