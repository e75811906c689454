import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { conv2d, convOutputSize } from '@convkit/core';

// floor((W - K + 2P) / S) + 1
console.log(convOutputSize(5, 3)); // 5×5 image, 3×3 kernel
console.log(convOutputSize(5, 3, { padding: 1 })); // "same" size
console.log(convOutputSize(224, 7, { stride: 2, padding: 3 })); // ResNet's stem
console.log(convOutputSize(32, 5, { stride: 1, padding: 0 })); // LeNet's first layer

// conv2d agrees with the formula:
const x = tf.zeros([1, 224, 224, 3]) as tf.Tensor4D;
const w = tf.zeros([7, 7, 3, 64]) as tf.Tensor4D;
const y = conv2d(x, w, { stride: 2, padding: 3 });
console.log(y.shape);
tf.dispose([x, w, y]);
