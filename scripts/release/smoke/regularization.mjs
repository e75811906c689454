// BatchNorm2d keeps torchvision's buffers; Dropout is the identity in eval mode.
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const { BatchNorm2d, Dropout } = await load('@convkit/regularization');
  const bn = new BatchNorm2d(4);
  assert.deepEqual(Object.keys(bn.stateDict()).sort(), ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']);
  const x = tf.randomNormal([2, 3, 3, 4]);
  bn.train();
  bn.forward(x);
  const mean = bn.stateDict().running_mean.dataSync();
  assert.ok(
    mean.some((v) => v !== 0),
    'running_mean updated in train mode',
  );
  const drop = new Dropout(0.5).eval();
  assert.deepEqual(Array.from(drop.forward(x).dataSync()), Array.from(x.dataSync()));
  return 'BatchNorm2d running stats, Dropout eval identity';
}
