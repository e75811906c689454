import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend';
import { BackendError, UnknownNameError } from './errors';

describe('selectBackend', () => {
  it('picks the first backend that initialises and says why others were skipped', async () => {
    const report = await selectBackend(['webgpu', 'cpu']);
    expect(report.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(report.attempts[0]).toMatchObject({ name: 'webgpu', ok: false });
    expect(report.attempts[0].reason).toMatch(/not registered/);
    expect(report.attempts[1]).toEqual({ name: 'cpu', ok: true });
  });

  it('reports a backend whose initialisation fails instead of silently falling back', async () => {
    tf.registerBackend('broken', () => {
      throw new Error('no device');
    });
    await expect(selectBackend(['broken'])).rejects.toThrow(BackendError);
    await expect(selectBackend(['broken'])).rejects.toThrow(/broken \(failed to initialise/);
    expect(tf.getBackend()).toBe('cpu');
    tf.removeBackend('broken');
  });

  it('rejects unknown names with the list of known ones', async () => {
    await expect(selectBackend(['gpu'])).rejects.toThrow(UnknownNameError);
    await expect(selectBackend([])).rejects.toThrow(BackendError);
  });
});
