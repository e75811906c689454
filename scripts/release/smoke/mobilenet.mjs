// MobileNetV3-Large with torchvision's parameter count, on a small image.
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const { mobilenet_v3_large } = await load('@convkit/mobilenet');
  const model = mobilenet_v3_large();
  assert.equal(model.numParameters(), 5483032);
  const y = model.predict(tf.randomUniform([1, 64, 64, 3]));
  assert.deepEqual(y.shape, [1, 1000]);
  return 'mobilenet_v3_large().predict([1,64,64,3]) → [1,1000]';
}
