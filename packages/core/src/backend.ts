import * as tf from '@tensorflow/tfjs-core';
import { BackendError, UnknownNameError } from './errors';

/** Backend names convkit knows how to register (each from its `@convkit/backend-*` package). */
export const knownBackends = ['cpu', 'wasm', 'webgl', 'webgpu', 'tensorflow'] as const;

export interface BackendAttempt {
  name: string;
  ok: boolean;
  /** Why the backend was not picked. */
  reason?: string;
}

export interface BackendReport {
  /** The backend now active (checked with `tf.getBackend()`). */
  backend: string;
  attempts: BackendAttempt[];
  /** Extra facts a backend reports about itself, e.g. threads or float precision. */
  details: Record<string, unknown>;
}

/** Facts about a backend, registered by the package that provides it (threads, precision…). */
const describers = new Map<string, () => Record<string, unknown>>();

export function registerBackendDetails(name: string, describe: () => Record<string, unknown>): void {
  describers.set(name, describe);
}

/**
 * Tries the backends in order and activates the first that really initialises — verified with
 * `tf.getBackend()`, because tfjs silently keeps the previous backend when one fails.
 */
export async function selectBackend(preferences: readonly string[] | string): Promise<BackendReport> {
  const names = typeof preferences === 'string' ? [preferences] : [...preferences];
  if (names.length === 0) throw new BackendError('selectBackend', 'no backend names given');
  const attempts: BackendAttempt[] = [];
  const previous = tf.engine().backendName;
  for (const name of names) {
    if (!tf.findBackendFactory(name)) {
      if (!(knownBackends as readonly string[]).includes(name)) throw new UnknownNameError('selectBackend', name, [...knownBackends]);
      // An imported backend package that tfjs did not register says why (e.g. no navigator.gpu).
      const unavailable = describers.get(name)?.().unavailable;
      const reason =
        typeof unavailable === 'string' ? `not available here: ${unavailable}` : `not registered: import '@convkit/backend-${name}' first`;
      attempts.push({ name, ok: false, reason });
      continue;
    }
    let ok = false;
    let reason = 'failed to initialise';
    try {
      ok = await tf.setBackend(name);
    } catch (e) {
      reason = `failed to initialise: ${(e as Error).message}`;
    }
    if (ok && tf.getBackend() === name) {
      attempts.push({ name, ok: true });
      return { backend: name, attempts, details: describers.get(name)?.() ?? {} };
    }
    attempts.push({ name, ok: false, reason: ok ? `tfjs reports '${tf.getBackend()}' instead` : reason });
  }
  // A failed initialisation can leave tfjs pointing at the broken backend: go back.
  if (previous && tf.getBackend() !== previous) await tf.setBackend(previous);
  const why = attempts.map((a) => `${a.name} (${a.reason})`).join('; ');
  throw new BackendError('selectBackend', `none of the backends could be used: ${why}`);
}
