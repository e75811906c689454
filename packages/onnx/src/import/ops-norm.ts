import type { OpRunner } from './op-context';

// Normalization ops beyond BatchNormalization (which lives with Conv for fusion): LayerNormalization.

export const normOps: Record<string, OpRunner> = {};
