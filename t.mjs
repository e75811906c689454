import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '/tmp/g.mjs';
const g = tf.grad((x) => tf.sum(tf.square(tf.conv2d(x, tf.ones([3,3,1,2]), 1, 'same'))));
console.log(g(tf.ones([1,4,4,1])).dataSync(), tf.getBackend(), tf.memory().numTensors);
