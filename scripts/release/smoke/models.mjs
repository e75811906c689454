// The registry knows every family by torchvision's names and builds one by name.
export default async function ({ load, assert }) {
  await load('@convkit/backend-cpu');
  const { createModel, listModels } = await load('@convkit/models');
  const names = listModels().map((m) => m.name);
  for (const n of ['resnet18', 'resnet50', 'vgg16_bn', 'googlenet', 'efficientnet_b0'])
    assert.ok(names.includes(n), `listModels() has ${n}`);
  const model = createModel('resnet18', { numClasses: 10 });
  assert.equal(model.numParameters(), 11181642);
  return `${names.length} models; createModel('resnet18', {numClasses: 10})`;
}
