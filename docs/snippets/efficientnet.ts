import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { efficientnet_b0 } from '@convkit/efficientnet';
import { modelInfo } from '@convkit/models';

const model = efficientnet_b0({ numClasses: 1000, seed: 0 });
console.log('parameters:', model.numParameters().toLocaleString('en-US'));

// Compound scaling: each variant is wider, deeper and expects a larger image.
for (const name of ['efficientnet_b0', 'efficientnet_b3', 'efficientnet_b7']) {
  const { params, inputSize } = modelInfo(name);
  console.log(name, `${(params / 1e6).toFixed(1)}M parameters`, `${inputSize}×${inputSize} input`);
}

const logits = model.predict(tf.zeros([1, 224, 224, 3]));
console.log('logits:', logits.shape);
logits.dispose();
model.dispose();
