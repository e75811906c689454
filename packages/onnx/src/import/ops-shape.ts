import type { OpRunner } from './op-context';

// Shape arithmetic: Shape, Gather, Slice, Unsqueeze, Squeeze, Cast and the like.

export const shapeOps: Record<string, OpRunner> = {};
