import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { vgg16 } from '@convkit/vgg';

// 13 conv layers (3×3, padding 1) in 5 blocks, each ending with a 2×2 max pool, then 3 Linear layers.
const model = vgg16({ numClasses: 10, seed: 0 });
console.log('parameters:', model.numParameters().toLocaleString('en-US'));

// The classifier's first Linear alone: 7·7·512 inputs × 4096 outputs.
console.log('classifier.0:', model.getModule('classifier.0').numParameters().toLocaleString('en-US'));

const features = model.forwardFeatures(tf.zeros([1, 64, 64, 3]));
console.log('features at 64×64:', features.shape); // five 2×2 pools: 64 / 32 = 2
const logits = model.predict(tf.zeros([1, 64, 64, 3]));
console.log('logits:', logits.shape);
tf.dispose([features, logits]);
model.dispose();
