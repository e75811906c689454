// The course's worked example through the installed packages: a 5×5 ramp image convolved with a
// vertical-edge kernel gives 6 everywhere; the size formula agrees; gradients are registered.
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const core = await load('@convkit/core');
  await core.selectBackend(['cpu']);
  const image = [1, 2, 3, 4, 5, 2, 3, 4, 5, 6, 3, 4, 5, 6, 7, 4, 5, 6, 7, 8, 5, 6, 7, 8, 9];
  const y = core.conv2d(tf.tensor4d(image, [1, 5, 5, 1]), tf.tensor4d([-1, 0, 1, -1, 0, 1, -1, 0, 1], [3, 3, 1, 1]));
  assert.deepEqual(y.shape, [1, 3, 3, 1]);
  assert.deepEqual(Array.from(y.dataSync()), new Array(9).fill(6));
  assert.equal(core.convOutputSize(224, 7, { stride: 2, padding: 3 }), 112);
  assert.throws(() => core.conv2d(tf.zeros([1, 5, 5, 2]), tf.zeros([3, 3, 1, 1])), core.ConvkitError);
  // Gradients come from core's '#register-gradients' import map (node/default × import/require):
  // d/dx sum(conv2d(x, ones 3×3)) on a 3×3 image is 1 at every pixel.
  const g = tf.grad((x) => tf.sum(core.conv2d(x, tf.ones([3, 3, 1, 1]))))(tf.ones([1, 3, 3, 1]));
  assert.deepEqual(Array.from(g.dataSync()), new Array(9).fill(1));
  return 'conv2d course example = 6, gradients registered';
}
