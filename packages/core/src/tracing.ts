// The tracing flag lives in its own module so that `module.ts` (which reads it through
// `Module.tracing`) and `summary.ts` (which sets it) share it without importing each other.
let active = false;

/**
 * True while `summary()` traces a forward pass: inference shortcuts (BatchNorm folding) are
 * off, so every module runs and reports its output shape.
 */
export function isTracing(): boolean {
  return active;
}

export function setTracing(on: boolean): void {
  active = on;
}
