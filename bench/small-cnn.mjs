// A training step of the course's small CNN (SGD, momentum 0.9, Nesterov, weight decay) at
// 28×28×1, the same network and optimizer as scripts/bench/torch_bench.py's small_cnn_train.
import * as tf from '@tensorflow/tfjs-core';
import { smallCnn } from '@convkit/models';
import { SGD, crossEntropy } from '@convkit/train';

export function smallCnnTrainStep(batch) {
  const model = smallCnn({ seed: 0 }).train();
  const optimizer = new SGD(model.trainableParameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const x = tf.randomNormal([batch, 28, 28, 1]);
  const y = tf.randomUniform([batch], 0, 10, 'int32');
  return () => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y), model.trainableParameters());
    optimizer.step(grads);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
}
