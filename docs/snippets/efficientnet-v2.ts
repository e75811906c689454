import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { conv2dParamCount } from '@convkit/core';
import { createModel, modelInfo } from '@convkit/models';

const fmt = (n: number) => n.toLocaleString('en-US');
const model = createModel('efficientnet_v2_s', { seed: 0 });
console.log('parameters:', fmt(model.numParameters()));

// Which block each stage uses: Fused-MBConv early, MBConv (with squeeze-excitation) later.
const blocks = [1, 2, 3, 4, 5, 6].map((i) => `${i}: ${model.getModule(`features.${i}.0`).typeName}`);
console.log(blocks.join(', '));

// features.2.0: 24 → 48 channels, expansion 4, stride 2. Fused: one 3×3 conv 24 → 96, then 1×1 96 → 48.
const fused = conv2dParamCount({ inChannels: 24, outChannels: 96, kernelSize: 3, bias: false });
const expand = conv2dParamCount({ inChannels: 24, outChannels: 96, kernelSize: 1, bias: false });
const depthwise = conv2dParamCount({ inChannels: 96, outChannels: 96, kernelSize: 3, groups: 96, bias: false });
const project = conv2dParamCount({ inChannels: 96, outChannels: 48, kernelSize: 1, bias: false });
console.log(`fused 3×3 ${fmt(fused)} vs 1×1 expand ${fmt(expand)} + depthwise ${fmt(depthwise)}; projection ${fmt(project)}`);
console.log('features.2.0:', fmt(model.getModule('features.2.0').numParameters()));

const features = model.forwardFeatures(tf.zeros([1, 384, 384, 3]));
console.log('features at 384×384:', features.shape);
features.dispose();
model.dispose();

for (const name of ['efficientnet_v2_s', 'efficientnet_v2_m', 'efficientnet_v2_l']) {
  const { params, inputSize, weights } = modelInfo(name);
  console.log(`${name}: ${fmt(params)} parameters, ${inputSize}×${inputSize}, top-1 ${weights[0].metrics.acc1} %`);
}
