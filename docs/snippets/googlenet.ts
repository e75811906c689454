import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { googlenet } from '@convkit/googlenet';

const model = googlenet({ numClasses: 1000, seed: 0 });
console.log('parameters:', model.numParameters().toLocaleString('en-US'));

// One Inception module runs four branches side by side and concatenates their channels:
// 1×1 (64) + 1×1→3×3 (128) + 1×1→"5×5" (32) + pool→1×1 (32) = 256 channels.
const x = tf.zeros([1, 28, 28, 192]);
const y = model.getModule('inception3a').forward(x);
console.log('inception3a:', x.shape, '→', y.shape);
tf.dispose([x, y]);

const logits = model.predict(tf.zeros([1, 96, 96, 3]));
console.log('logits:', logits.shape);
logits.dispose();
model.dispose();
