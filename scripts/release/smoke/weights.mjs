// Writes a model's weights as a safetensors file and loads them into a fresh model.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function ({ load, assert, scratch }) {
  await load('@convkit/backend-cpu');
  const { Conv2d } = await load('@convkit/layers');
  const { saveWeights, loadWeights, readSafetensors } = await load('@convkit/weights');
  const a = new Conv2d(3, 4, 3);
  const file = join(scratch, 'conv.safetensors');
  writeFileSync(file, saveWeights(a));
  const { tensors } = readSafetensors(readFileSync(file));
  assert.deepEqual(Object.keys(tensors).sort(), ['bias', 'weight']);
  const b = new Conv2d(3, 4, 3);
  await loadWeights(b, file);
  assert.deepEqual(Array.from(b.weight.dataSync()), Array.from(a.weight.dataSync()));
  assert.deepEqual(Array.from(b.bias.dataSync()), Array.from(a.bias.dataSync()));
  return 'saveWeights → file → loadWeights round trip';
}
