import * as tf from '@tensorflow/tfjs-core';
import { resnet18 } from '@convkit/resnet';
import { describe, expect, it } from 'vitest';
import { fit, SGD } from './index';

describe('transfer learning: resnet18 with a frozen backbone', () => {
  it('one epoch of fit changes the new head and nothing else, bit for bit (BN statistics included)', async () => {
    const model = resnet18({ numClasses: 10, seed: 0 });
    model.resetClassifier(3, 1);
    model.freezeBackbone();
    const before = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.dataSync().slice()]));
    // Weight decay and momentum would move frozen parameters if the optimizer did not skip them.
    const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-2 });
    const data = Array.from({ length: 2 }, (_, i) => ({
      x: tf.randomNormal([4, 32, 32, 3], 0, 1, 'float32', i),
      y: tf.tensor1d([0, 1, 2, i % 3], 'int32'),
    }));
    const tensors = tf.memory().numTensors;
    const history = await fit(model, data, { epochs: 1, optimizer, disposeBatches: false });
    expect(history.epochs[0].loss).toBeGreaterThan(0);
    const after = model.stateDict();
    const changed = Object.keys(before).filter((k) => !Array.from(before[k]).every((v, i) => Object.is(v, after[k].dataSync()[i])));
    expect(changed.sort()).toEqual(['fc.bias', 'fc.weight']);
    const bnKeys = Object.keys(before).filter((k) => /running_(mean|var)|num_batches_tracked/.test(k));
    expect(bnKeys.length).toBe(60); // 20 BatchNorms × 3 buffers, all checked above
    expect(after['bn1.num_batches_tracked'].dataSync()[0]).toBe(0);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(tensors); // fc's momentum buffers went with the optimizer; batches stay ours
    tf.dispose(data.flatMap((b) => [b.x, b.y]));
    model.dispose();
  });
});
