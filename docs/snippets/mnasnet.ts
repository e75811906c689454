import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2d } from '@convkit/layers';
import { createModel, modelInfo } from '@convkit/models';

const fmt = (n: number) => n.toLocaleString('en-US');
const model = createModel('mnasnet1_0', { seed: 0 });
console.log('parameters:', fmt(model.numParameters()));

// The first stack: 16 → 24 (expansion 3, 3×3, stride 2), then two 24 → 24 blocks with the residual.
for (const path of ['layers.8.0', 'layers.8.1', 'layers.8']) console.log(`${path}: ${fmt(model.getModule(path).numParameters())}`);
// A 5×5 depthwise kernel on 120 channels is still small next to the two 1×1 convs of its block.
const weights = (path: string) => fmt(model.getModule(path).numParameters());
console.log(
  `layers.9.1: expand ${weights('layers.9.1.layers.0')}, depthwise 5×5 ${weights('layers.9.1.layers.3')}, project ${weights('layers.9.1.layers.6')}`,
);

const features = model.forwardFeatures(tf.zeros([1, 224, 224, 3]));
console.log('features:', features.shape);
features.dispose();
model.dispose();

// The width multiplier scales every depth, rounded to multiples of 8 (upwards when rounding would lose > 10 %).
for (const name of ['mnasnet0_5', 'mnasnet0_75', 'mnasnet1_0', 'mnasnet1_3']) {
  const m = createModel(name, { seed: 0 });
  const out = (path: string) => (m.getModule(path) as Conv2d).outChannels;
  const depths = [out('layers.0'), out('layers.6'), ...[8, 9, 10, 11, 12, 13].map((i) => out(`layers.${i}.0.layers.6`))];
  const { params, weights } = modelInfo(name);
  console.log(`${name}: ${depths.join(', ')}; ${fmt(params)} parameters, top-1 ${weights[0].metrics.acc1} %`);
  m.dispose();
}
