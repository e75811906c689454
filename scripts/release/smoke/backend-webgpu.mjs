// In Node without a WebGPU binding: importing must not crash, and selectBackend falls back to cpu.
export default async function ({ load, assert }) {
  await load('@convkit/backend-cpu');
  const gpu = await load('@convkit/backend-webgpu');
  const { selectBackend } = await load('@convkit/core');
  assert.equal(gpu.backendName, 'webgpu');
  const report = await selectBackend(['webgpu', 'cpu']);
  assert.equal(report.backend, 'cpu');
  return `imports in Node; selectBackend(['webgpu','cpu']) → ${report.backend}`;
}
