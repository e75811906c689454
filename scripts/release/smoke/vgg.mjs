// vgg11 with torchvision's parameter count and state-dict names, on a small image. Building a
// VGG initialises ~129M parameters (~25 s on 2 cores), so the CJS run checks the builders and
// the weights catalog instead of building a second one.
export default async function ({ load, assert, mode }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const { vgg11, vgg16_bn, vggNames, vggWeights } = await load('@convkit/vgg');
  assert.deepEqual(vggNames, ['vgg11', 'vgg11_bn', 'vgg13', 'vgg13_bn', 'vgg16', 'vgg16_bn', 'vgg19', 'vgg19_bn']);
  assert.equal(typeof vgg16_bn, 'function');
  assert.ok(vggWeights.vgg16.length > 0, 'vgg16 has a weights entry');
  if (mode === 'cjs') return 'builders and weights catalog';
  const model = vgg11({ numClasses: 10 });
  assert.equal(model.numParameters(), 128807306);
  assert.ok('features.0.weight' in model.stateDict());
  const y = model.predict(tf.randomUniform([1, 32, 32, 3]));
  assert.deepEqual(y.shape, [1, 10]);
  model.dispose();
  return 'vgg11({numClasses: 10}) → [1,10]';
}
