// In Node there is no WebGL: importing must not crash, and selectBackend falls back to cpu.
export default async function ({ load, assert }) {
  await load('@convkit/backend-cpu');
  const gl = await load('@convkit/backend-webgl');
  const { selectBackend } = await load('@convkit/core');
  assert.equal(gl.backendName, 'webgl');
  const report = await selectBackend(['webgl', 'cpu']);
  assert.equal(report.backend, 'cpu');
  return `imports in Node; selectBackend(['webgl','cpu']) → ${report.backend}`;
}
