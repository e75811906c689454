import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { googlenet } from '@convkit/googlenet';
import { Linear } from '@convkit/layers';

const model = googlenet({ seed: 0 }); // pretrained: await loadWeights(model, googlenetWeights.googlenet[0])
model.freeze(); // for param in model.parameters(): param.requires_grad = False
model.fc = new Linear(model.fc.inFeatures, 10); // model.fc = nn.Linear(model.fc.in_features, 10)

console.log(`fc: ${model.fc.inFeatures} → ${model.fc.outFeatures}`);
const trainable = model
  .namedParameters()
  .filter(([, v]) => v.trainable)
  .map(([k]) => k);
console.log(
  `trainable: ${model.numParameters({ trainableOnly: true }).toLocaleString('en-US')} of ${model.numParameters().toLocaleString('en-US')} (${trainable.join(', ')})`,
);

const logits = model.predict(tf.randomNormal([2, 224, 224, 3], 0, 1, 'float32', 1));
console.log('output:', logits.shape);
logits.dispose();
model.dispose();
