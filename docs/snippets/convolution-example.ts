import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { conv2d } from '@convkit/core';

// The course's 5×5 image: row r holds r, r+1, …, r+4 (1..5, 2..6, …, 5..9).
const rows = [1, 2, 3, 4, 5].map((r) => [0, 1, 2, 3, 4].map((c) => r + c));
const image = tf.tensor4d(rows.flat(), [1, 5, 5, 1]); // NHWC

// The vertical-edge kernel [-1, 0, 1] on each of its three rows; layout [kh, kw, in, out].
const verticalEdge = tf.tensor4d([-1, 0, 1, -1, 0, 1, -1, 0, 1], [3, 3, 1, 1]);

const featureMap = conv2d(image, verticalEdge); // stride 1, no padding
console.log('top-left:', featureMap.dataSync()[0]);
console.log('shape:', featureMap.shape);
console.log(tf.squeeze(featureMap).arraySync()); // every window sees the same left-to-right rise
tf.dispose([image, verticalEdge, featureMap]);
