// A training step (SGD, momentum 0.9, Nesterov, weight decay, cross-entropy) of the course's small
// CNN at 28×28×1 or of an architecture at 224×224 — the same networks and optimizer as
// scripts/bench/torch_bench.py's small_cnn_train / <model>_train.
import * as tf from '@tensorflow/tfjs-core';
import { createModel, smallCnn } from '@convkit/models';
import { SGD, crossEntropy } from '@convkit/train';

export function trainStep(arch, batch) {
  const small = arch === 'small_cnn';
  const model = (small ? smallCnn({ seed: 0 }) : createModel(arch, { seed: 0 })).train();
  const optimizer = new SGD(model.trainableParameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const x = small ? tf.randomNormal([batch, 28, 28, 1]) : tf.randomNormal([batch, 224, 224, 3]);
  const y = tf.randomUniform([batch], 0, 10, 'int32');
  return () => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y), model.trainableParameters());
    optimizer.step(grads);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
}
