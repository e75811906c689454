import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { TimmEfficientNet } from '@convkit/efficientnet';
import { Linear } from '@convkit/layers';
import { createModel } from '@convkit/models';

// timm's trained B7 weights are the TensorFlow port (tf_efficientnet_b7.ns_jft_in1k).
const model = createModel('timm/tf_efficientnet_b7') as TimmEfficientNet; // timm.create_model('tf_efficientnet_b7', pretrained=True)
// pretrained: await loadWeights(model, timmEfficientnetWeights.tf_efficientnet_b7[0])
model.freeze(); // for param in model.parameters(): param.requires_grad = False
const inFeatures = model.classifier.inFeatures; // model.classifier.in_features
model.classifier = new Linear(inFeatures, 10); // model.classifier = nn.Linear(in_features, 10)

console.log(`classifier.in_features: ${inFeatures}`);
console.log(
  `trainable: ${model.numParameters({ trainableOnly: true }).toLocaleString('en-US')} of ${model.numParameters().toLocaleString('en-US')}`,
);

const images = tf.randomNormal([2, 600, 600, 3], 0, 1, 'float32', 1); // a batch of two 600×600 images
const logits = model.predict(images);
console.log('output:', logits.shape);
tf.dispose([images, logits]);
model.dispose();
