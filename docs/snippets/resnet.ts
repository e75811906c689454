import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { resnet18 } from '@convkit/resnet';

const model = resnet18({ numClasses: 1000, seed: 0 });
console.log('parameters:', model.numParameters().toLocaleString('en-US'));

// A BasicBlock computes relu(F(x) + x): two 3×3 convs plus the identity shortcut.
const block = model.getModule('layer1.0');
console.log(
  'layer1.0 children:',
  block
    .namedChildren()
    .map(([name]) => name)
    .join(', '),
);

// layer2.0 halves the size, so its shortcut is a 1×1 conv with stride 2 ("downsample").
console.log(
  'layer2.0.downsample:',
  model
    .getModule('layer2.0.downsample')
    .namedChildren()
    .map(([, m]) => m.typeName)
    .join(' → '),
);

const features = model.forwardFeatures(tf.zeros([1, 224, 224, 3]));
console.log('features:', features.shape);
features.dispose();
model.dispose();
