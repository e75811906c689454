// EfficientNet-B0 with torchvision's parameter count, on a small image.
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const { efficientnet_b0 } = await load('@convkit/efficientnet');
  const model = efficientnet_b0();
  assert.equal(model.numParameters(), 5288548);
  const y = model.predict(tf.randomUniform([1, 64, 64, 3]));
  assert.deepEqual(y.shape, [1, 1000]);
  return 'efficientnet_b0().predict([1,64,64,3]) → [1,1000]';
}
