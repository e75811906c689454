import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Linear } from '@convkit/layers';
import { crossEntropy, SGD } from '@convkit/train';
import { vgg16 } from '@convkit/vgg';

const model = vgg16({ seed: 0 }); // pretrained: await loadWeights(model, vggWeights.vgg16[0])
model.freeze('features'); // for param in model.features.parameters(): param.requires_grad = False
model.classifier.set(6, new Linear(4096, 10)); // model.classifier[6] = nn.Linear(4096, 10)

for (const [name, part] of model.namedChildren().filter(([, m]) => m.numParameters() > 0)) {
  console.log(
    `${name}: ${part.numParameters({ trainableOnly: true }).toLocaleString('en-US')} of ${part.numParameters().toLocaleString('en-US')} trainable`,
  );
}
console.log(`trainable: ${model.numParameters({ trainableOnly: true }).toLocaleString('en-US')}`);

// One training step on two 224×224 images: the head learns, the frozen features stay as they were.
const x = tf.randomNormal([2, 224, 224, 3], 0, 1, 'float32', 1);
const labels = tf.tensor1d([3, 7], 'int32');
const [conv0, fc6] = ['features.0.weight', 'classifier.6.weight'].map((k) => tf.clone(model.stateDict()[k]));
const optimizer = new SGD(model.trainableParameters(), { lr: 0.001, momentum: 0.9 });
model.train();
let outputShape: number[] = [];
const { value, grads } = tf.variableGrads(() => {
  const logits = model.forward(x);
  outputShape = logits.shape;
  return crossEntropy(logits, labels);
}, model.trainableParameters());
optimizer.step(grads);
const changed = (before: tf.Tensor, key: string) => tf.any(tf.notEqual(before, model.stateDict()[key])).dataSync()[0] === 1;
console.log('output:', outputShape);
console.log(
  `features.0.weight changed: ${changed(conv0, 'features.0.weight')}; classifier.6.weight changed: ${changed(fc6, 'classifier.6.weight')}`,
);
tf.dispose([x, labels, conv0, fc6, value, ...Object.values(grads)]);
model.dispose();
