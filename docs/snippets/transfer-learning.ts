import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { resnet18 } from '@convkit/resnet';
import { SGD, crossEntropy } from '@convkit/train';

// Start from an ImageNet model (here randomly initialised; load real weights with loadWeights).
const model = resnet18({ seed: 0 });

// 1. A new head for our 3 classes, 2. freeze everything else.
model.resetClassifier(3, 1);
model.freezeBackbone();
const trainable = model.numParameters({ trainableOnly: true });
console.log(`trainable: ${trainable.toLocaleString('en-US')} of ${model.numParameters().toLocaleString('en-US')}`); // fc only: 512·3 + 3

// 3. Train the head: only unfrozen parameters get gradients; frozen BatchNorms keep their statistics.
const x = tf.randomNormal([6, 64, 64, 3], 0, 1, 'float32', 7);
const y = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
const optimizer = new SGD(model.trainableParameters(), { lr: 0.01, momentum: 0.9 });
model.train();
for (let step = 0; step < 5; step++) {
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y), model.trainableParameters());
  optimizer.step(grads);
  console.log(`step ${step}: loss ${value.dataSync()[0].toFixed(3)}`);
  tf.dispose([value, ...Object.values(grads)]);
}

// 4. Fine-tune: unfreeze the last stage too, with a smaller learning rate.
model.unfreeze('layer4');
console.log(`after unfreezing layer4: ${model.numParameters({ trainableOnly: true }).toLocaleString('en-US')} trainable`);
tf.dispose([x, y]);
model.dispose();
