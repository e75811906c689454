import type { Module } from '@convkit/core';
import { writeSafetensors } from './safetensors-write';

/**
 * A module's state dict as safetensors in convkit's tfjs layout; the metadata marks the layout so
 * `loadWeights` takes every tensor as is (even square ones that could be read either way).
 */
export function saveWeights(model: Module, options: { metadata?: Record<string, string> } = {}): Uint8Array {
  return writeSafetensors(model.stateDict(), { metadata: { ...options.metadata, format: 'convkit', layout: 'tfjs' } });
}
