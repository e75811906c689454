// Reads the Fashion-MNIST subset shipped in the package (assets/), batches it and normalizes a batch.
export default async function ({ load, assert }) {
  await load('@convkit/backend-cpu');
  const { fashionMnist } = await load('@convkit/data/node');
  const { ArrayDataset, batches, normalize } = await load('@convkit/data');
  const test = fashionMnist({ subset: true, split: 'test' });
  assert.deepEqual(test.shape, [1000, 28, 28]);
  assert.equal(test.labels.length, 1000);
  assert.equal(test.classNames.length, 10);
  const dataset = new ArrayDataset({ images: test.images, labels: test.labels, imageShape: [28, 28] });
  const loader = batches(dataset, { batchSize: 64, shuffle: true, seed: 0 });
  assert.equal(loader.length, 16);
  const { x, y } = loader[Symbol.iterator]().next().value;
  assert.deepEqual(x.shape, [64, 28, 28, 1]);
  assert.deepEqual(y.shape, [64]);
  const z = normalize([0.5], [0.5])(x);
  assert.deepEqual(z.shape, x.shape);
  return `Fashion-MNIST subset: ${test.labels.length} test images, batches of 64`;
}
