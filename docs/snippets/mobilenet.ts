import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { conv2dParamCount } from '@convkit/core';
import type { Conv2d } from '@convkit/layers';
import { createModel, modelInfo } from '@convkit/models';

const fmt = (n: number) => n.toLocaleString('en-US');

// 112×112×16 → 56×56×24: one full 3×3 conv against a depthwise 3×3 + a pointwise 1×1.
const full = conv2dParamCount({ inChannels: 16, outChannels: 24, kernelSize: 3, bias: false });
const depthwise = conv2dParamCount({ inChannels: 16, outChannels: 16, kernelSize: 3, groups: 16, bias: false });
const pointwise = conv2dParamCount({ inChannels: 16, outChannels: 24, kernelSize: 1, bias: false });
const positions = 56 * 56; // every weight is used once per output position
console.log(`full 3×3: ${fmt(full)} weights, ${fmt(full * positions)} multiply-adds`);
console.log(
  `depthwise + pointwise: ${depthwise} + ${pointwise} = ${depthwise + pointwise} weights, ${fmt((depthwise + pointwise) * positions)} multiply-adds`,
);

const model = createModel('mobilenet_v3_large', { seed: 0 });
console.log('parameters:', fmt(model.numParameters()));
// The real block: 1×1 expand 16 → 64, depthwise 3×3 stride 2, 1×1 project 64 → 24 (+ 3 BatchNorms).
console.log('features.2:', fmt(model.getModule('features.2').numParameters()));
// _make_divisible(72 / 4): 16 is more than 10 % below 18, so the squeeze width is 24.
const fc1 = model.getModule('features.4.block.2.fc1') as Conv2d;
console.log(`features.4 squeeze-excitation: ${fc1.inChannels} → ${fc1.outChannels} → ${fc1.inChannels}`);

const features = model.forwardFeatures(tf.zeros([1, 224, 224, 3]));
console.log('features:', features.shape);
features.dispose();
model.dispose();

for (const name of ['mobilenet_v2', 'mobilenet_v3_small', 'mobilenet_v3_large', 'timm/mobilenetv3_large_100']) {
  const { params, weights } = modelInfo(name);
  const best = weights.reduce((a, b) => (b.metrics.acc1 > a.metrics.acc1 ? b : a));
  console.log(`${name}: ${fmt(params)} parameters, top-1 ${best.metrics.acc1} % (${best.tag}, resize ${best.transforms.resizeSize})`);
}
