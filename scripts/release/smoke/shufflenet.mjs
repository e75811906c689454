// ShuffleNetV2 x1.0 with torchvision's parameter count, on a small image.
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const { shufflenet_v2_x1_0 } = await load('@convkit/shufflenet');
  const model = shufflenet_v2_x1_0();
  assert.equal(model.numParameters(), 2278604);
  const y = model.predict(tf.randomUniform([1, 64, 64, 3]));
  assert.deepEqual(y.shape, [1, 1000]);
  return 'shufflenet_v2_x1_0().predict([1,64,64,3]) → [1,1000]';
}
