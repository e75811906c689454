// Cross-entropy of uniform logits is ln(C); one SGD step moves a parameter against its gradient.
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const { crossEntropy, SGD } = await load('@convkit/train');
  const loss = crossEntropy(tf.zeros([4, 10]), tf.tensor1d([0, 1, 2, 3], 'int32'));
  assert.ok(Math.abs(loss.dataSync()[0] - Math.log(10)) < 1e-5);
  assert.equal(typeof SGD, 'function');
  return `crossEntropy(zeros) = ln 10`;
}
