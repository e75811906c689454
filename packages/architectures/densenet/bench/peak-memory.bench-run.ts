// Peak tensor memory of one densenet121 training step (forward, cross-entropy, gradients):
// the dense layers reading their input chunk by chunk against one concatenation per layer.
// BATCH and SIZE environment variables (default 2 and 224). Figures are printed, never asserted.
import * as tf from '@tensorflow/tfjs-core';
import { skipInit } from '@convkit/core';
import { it } from 'vitest';
import { DenseLayer, densenet121 } from '../src/index';

const batch = Number(process.env.BATCH ?? 2);
const size = Number(process.env.SIZE ?? 224);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

function naive(this: DenseLayer, features: tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => this.conv1.forward(tf.relu(this.norm1.forward(features.length === 1 ? features[0] : tf.concat(features, 3)))));
}

it(`densenet121 training step at ${size}², batch ${batch}: peak tensor memory`, async () => {
  const model = skipInit(() => densenet121()).train();
  const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1);
  const labels = tf.oneHot(tf.tensor1d([...Array(batch).keys()], 'int32'), 1000);
  const chunked = DenseLayer.prototype.bottleneck;
  for (const [name, bottleneck] of [
    ['concatenation per layer', naive],
    ['chunk by chunk', chunked],
  ] as const) {
    DenseLayer.prototype.bottleneck = bottleneck;
    const base = tf.memory().numBytes;
    const start = Date.now();
    const info = await tf.profile(() => {
      const loss = () => tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(model.forward(x))), 1))) as tf.Scalar;
      const { value, grads } = tf.variableGrads(loss);
      tf.dispose([value, ...Object.values(grads)]);
    });
    console.log(
      `${name}: peak ${mb(info.peakBytes)} MiB (${mb(info.peakBytes - base)} MiB above weights and input), ${((Date.now() - start) / 1000).toFixed(1)} s`,
    );
  }
  DenseLayer.prototype.bottleneck = chunked;
  tf.dispose([x, labels]);
  model.dispose();
});
