// Registers the CPU backend, selects it and multiplies two matrices through its kernels.
export default async function ({ load, assert }) {
  const tf = await load('@tensorflow/tfjs-core');
  const cpu = await load('@convkit/backend-cpu');
  const core = await load('@convkit/core');
  const report = await core.selectBackend(['cpu']);
  assert.equal(report.backend, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  const c = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2]));
  assert.deepEqual(Array.from(c.dataSync()), [19, 22, 43, 50]);
  const info = cpu.fastKernelsInfo();
  return `backend ${report.backend}, fast kernels ${info.enabled ? `on (${info.threads} threads)` : `off: ${info.reason}`}`;
}
