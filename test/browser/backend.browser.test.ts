// Backend selection and the facts each backend reports about itself.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@convkit/core';
import { webglDetails } from '@convkit/backend-webgl';
import { describe, expect, it } from 'vitest';
import { backendsUnderTest, inBrowser, useBackend } from './context';

describe.each(backendsUnderTest())('selecting %s', (backend) => {
  const { report, expectActive } = useBackend(backend);

  it('reports the backend, its precision and its custom kernels', () => {
    expectActive();
    expect(report().details.precision).toMatch(/^float(16|32)$/);
    if (backend !== 'cpu') {
      expect(report().details.customKernels).toEqual(expect.any(Array));
      for (const name of report().details.customKernels as string[]) expect(tf.getKernel(name, backend), name).toBeDefined();
    }
  });

  it('says why a backend in front of it was not picked', async () => {
    const picked = await selectBackend(['tensorflow', backend]);
    expect(picked.backend).toBe(backend);
    expect(picked.attempts[0]).toEqual({
      name: 'tensorflow',
      ok: false,
      reason: expect.stringMatching(/not registered.*@convkit\/backend-tensorflow/),
    });
    expectActive();
  });
});

describe.runIf(inBrowser)('WebGL precision', () => {
  it('is reported as float16 where float32 textures cannot be rendered', async () => {
    await selectBackend(['webgl']);
    const enabled = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
    expect(webglDetails().precision).toBe(enabled && tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE') ? 'float32' : 'float16');
    tf.env().set('WEBGL_RENDER_FLOAT32_ENABLED', false); // what tfjs decides on an f16-only device
    try {
      expect(webglDetails().precision).toBe('float16');
    } finally {
      tf.env().set('WEBGL_RENDER_FLOAT32_ENABLED', enabled);
    }
  });
});

describe.runIf(inBrowser)('selectBackend in the browser', () => {
  it('picks WebGPU first and reports the adapter', async () => {
    const r = await selectBackend(['webgpu', 'webgl', 'cpu']);
    expect(r.backend).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    console.log('webgpu details', JSON.stringify(r.details));
  });
});

describe.runIf(!inBrowser)('selectBackend in Node', () => {
  it('falls back to cpu and says why webgpu and webgl were not picked', async () => {
    const r = await selectBackend(['webgpu', 'webgl', 'cpu']);
    expect(r.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    // The packages are imported, but tfjs registers 'webgpu' only where navigator.gpu exists and
    // 'webgl' only in a browser: the reasons say so instead of asking for an import.
    expect(r.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['webgpu', false],
      ['webgl', false],
      ['cpu', true],
    ]);
    expect(r.attempts[0].reason).toMatch(/^not available here: navigator\.gpu is undefined/);
    expect(r.attempts[1].reason).toMatch(/^not available here: not a browser/);
  });
});
