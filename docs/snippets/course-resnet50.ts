import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Linear } from '@convkit/layers';
import { resnet50 } from '@convkit/resnet';

const model = resnet50({ seed: 0 }); // pretrained: await loadWeights(model, resnetWeights.resnet50[1])
const numFtrs = model.fc.inFeatures; // num_ftrs = model.fc.in_features
model.fc = new Linear(numFtrs, 10); // model.fc = nn.Linear(num_ftrs, 10)

console.log(`num_ftrs: ${numFtrs}`);
console.log(
  `trainable: ${model.numParameters({ trainableOnly: true }).toLocaleString('en-US')} of ${model.numParameters().toLocaleString('en-US')}`,
);

const logits = model.predict(tf.randomNormal([2, 224, 224, 3], 0, 1, 'float32', 1));
console.log('output:', logits.shape);
logits.dispose();
model.dispose();
