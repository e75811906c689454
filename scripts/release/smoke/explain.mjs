// Grad-CAM of a small torchvision model: a heatmap at the input's resolution, in [0, 1].
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  await load('@convkit/backend-cpu');
  const { createModel } = await load('@convkit/models');
  const { gradCam, overlayHeatmap } = await load('@convkit/explain');
  const model = createModel('squeezenet1_1', { seed: 0 });
  const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 1);
  const { heatmap, classIndex, logits } = gradCam(model, x);
  assert.deepEqual(heatmap.shape, [1, 64, 64]);
  const values = heatmap.dataSync();
  assert.ok(Math.max(...values) <= 1 && Math.min(...values) >= 0);
  const overlay = overlayHeatmap({ data: new Uint8Array(64 * 64 * 3), width: 64, height: 64, channels: 3 }, values);
  assert.equal(overlay.data.length, 64 * 64 * 4);
  tf.dispose([x, heatmap, logits]);
  return `gradCam(squeezenet1_1) → heatmap [1,64,64] for class ${classIndex[0]}`;
}
