import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { conv2dParamCount } from '@convkit/core';
import { createModel, modelInfo } from '@convkit/models';

const fmt = (n: number) => n.toLocaleString('en-US');

// torchvision's channel_shuffle on NHWC: view the channels as [groups, C/groups], transpose, flatten.
function channelShuffle(x: tf.Tensor4D, groups: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [n, h, w, groups, c / groups]), [0, 1, 2, 4, 3]), [n, h, w, c]));
}

// Four channels: 0, 1 are the half that passed through, 2, 3 the half the branch computed.
const x = tf.tensor4d([0, 1, 2, 3], [1, 1, 1, 4]);
const shuffled = channelShuffle(x, 2);
console.log('shuffled:', Array.from(shuffled.dataSync()).join(', '));
const [first, second] = tf.split(shuffled, 2, 3);
console.log(`next split: [${Array.from(first.dataSync())}] and [${Array.from(second.dataSync())}]`);
tf.dispose([x, shuffled, first, second]);

const model = createModel('shufflenet_v2_x1_0', { seed: 0 });
console.log('parameters:', fmt(model.numParameters()));
// A stride-1 unit of stage2 (116 channels): 1×1 → depthwise 3×3 → 1×1 on 58 of them, + 3 BatchNorms.
console.log('stage2.1:', fmt(model.getModule('stage2.1').numParameters()));
console.log('3×3 conv 116 → 116:', fmt(conv2dParamCount({ inChannels: 116, outChannels: 116, kernelSize: 3, bias: false })));

const features = model.forwardFeatures(tf.zeros([1, 224, 224, 3]));
console.log('features:', features.shape);
features.dispose();
model.dispose();

for (const name of ['shufflenet_v2_x0_5', 'shufflenet_v2_x1_0', 'shufflenet_v2_x1_5', 'shufflenet_v2_x2_0']) {
  const { params, weights } = modelInfo(name);
  const { metrics, transforms } = weights[0];
  console.log(`${name}: ${fmt(params)} parameters, top-1 ${metrics.acc1} % (resize ${transforms.resizeSize} → ${transforms.cropSize})`);
}
