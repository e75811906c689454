// GoogLeNet with torchvision's parameter count, on a small image.
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const { googlenet } = await load('@convkit/googlenet');
  const model = googlenet();
  assert.equal(model.numParameters(), 6624904);
  const y = model.predict(tf.randomUniform([1, 64, 64, 3]));
  assert.deepEqual(y.shape, [1, 1000]);
  return 'googlenet().predict([1,64,64,3]) → [1,1000]';
}
