// resnet18 with torchvision's parameter count classifies a random image into 1000 logits,
// leaving no tensor behind.
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const { selectBackend } = await load('@convkit/core');
  const { resnet18 } = await load('@convkit/resnet');
  await selectBackend(['cpu']);
  const model = resnet18();
  assert.equal(model.numParameters(), 11689512);
  const x = tf.randomUniform([1, 224, 224, 3]);
  const before = tf.memory().numTensors;
  const y = model.predict(x);
  assert.deepEqual(y.shape, [1, 1000]);
  assert.ok(Array.from(y.dataSync()).every(Number.isFinite));
  y.dispose();
  assert.equal(tf.memory().numTensors, before, 'predict leaks no tensors');
  return 'resnet18().predict([1,224,224,3]) → [1,1000]';
}
