import type * as tf from '@tensorflow/tfjs-core';
import { Module, OptionError, ShapeError } from '@convkit/core';

/** What one hooked module did during a forward pass. */
export interface Hook {
  path: string;
  module: Module;
  /** How many times its forward ran (a shared module may run more than once). */
  calls: number;
}

/**
 * Runs `run` with the modules at `paths` hooked, like PyTorch's forward hooks: each output goes
 * through `onOutput(hook, y)` and what that returns flows on. The model runs in evaluation mode
 * with its inference shortcuts off (`Module.tracing`): folded BatchNorms and fused activations
 * would otherwise skip the very modules asked for. Modes, the tracing flag and every patched
 * `forward` are restored afterwards, also when `run` throws.
 *
 * A wrong path throws `UnknownNameError` (from `getModule`) before anything is patched.
 */
export function withHooks<T>(
  model: Module,
  paths: readonly string[],
  run: (hooks: Hook[]) => T,
  onOutput: (hook: Hook, y: tf.Tensor) => tf.Tensor,
): T {
  const hooks: Hook[] = paths.map((path) => ({ path, module: model.getModule(path), calls: 0 }));
  // Two paths may name one module: patch it once and hand its output to each of its hooks.
  const byModule = new Map<Module, Hook[]>();
  for (const h of hooks) byModule.set(h.module, [...(byModule.get(h.module) ?? []), h]);
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  const tracing = Module.tracing;
  const restore: (() => void)[] = [];
  try {
    for (const [m, sharers] of byModule) {
      const own = Object.hasOwn(m, 'forward');
      const original = m.forward;
      m.forward = (...args: Parameters<Module['forward']>) => {
        let y = original.apply(m, args);
        for (const h of sharers) {
          h.calls++;
          y = onOutput(h, y);
        }
        return y;
      };
      restore.push(() => {
        if (own) m.forward = original;
        else delete (m as { forward?: unknown }).forward;
      });
    }
    model.eval();
    Module.tracing = true;
    return run(hooks);
  } finally {
    Module.tracing = tracing;
    for (const undo of restore) undo();
    for (const [m, mode] of modes) m.training = mode;
  }
}

/** Throws when a hooked module never ran: its output cannot be shown, and no map is better than a wrong one. */
export function checkRan(hooks: readonly Hook[], where: string): void {
  const idle = hooks.filter((h) => h.calls === 0).map((h) => `'${h.path}'`);
  if (idle.length === 0) return;
  throw new OptionError(
    where,
    `module ${idle.join(', ')} did not run in the forward pass (an auxiliary head, or an activation its block applies inline); pick one that runs, such as its parent`,
  );
}

/** A hooked output must be a feature map: `[N,H,W,C]`. */
export function expect4d(path: string, y: tf.Tensor, where: string): tf.Tensor4D {
  if (y.rank !== 4) throw new ShapeError(where, `module '${path}' outputs shape [${y.shape.join(', ')}], expected a 4-D NHWC feature map`);
  return y as tf.Tensor4D;
}
