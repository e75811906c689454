// A Conv2d with torchvision's parameter names and count, run on a random NHWC batch.
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const { Conv2d, Sequential, ReLU, MaxPool2d } = await load('@convkit/layers');
  const conv = new Conv2d(3, 8, 3, { padding: 1 });
  assert.deepEqual(
    conv
      .namedParameters()
      .map(([k]) => k)
      .sort(),
    ['bias', 'weight'],
  );
  assert.equal(conv.numParameters(), 3 * 3 * 3 * 8 + 8);
  const net = new Sequential(conv, new ReLU(), new MaxPool2d({ kernelSize: 2 }));
  const y = net.forward(tf.randomNormal([2, 8, 8, 3]));
  assert.deepEqual(y.shape, [2, 4, 4, 8]);
  return `Conv2d+ReLU+MaxPool2d → [${y.shape}]`;
}
