// SqueezeNet 1.1 with torchvision's parameter count, on a small image.
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const { squeezenet1_1 } = await load('@convkit/squeezenet');
  const model = squeezenet1_1();
  assert.equal(model.numParameters(), 1235496);
  const y = model.predict(tf.randomUniform([1, 64, 64, 3]));
  assert.deepEqual(y.shape, [1, 1000]);
  return 'squeezenet1_1().predict([1,64,64,3]) → [1,1000]';
}
