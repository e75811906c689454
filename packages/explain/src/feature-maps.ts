import * as tf from '@tensorflow/tfjs-core';
import { type Module, OptionError, ShapeError } from '@convkit/core';
import { checkRan, expect4d, withHooks } from './capture';

/** `x` must be a batch of images, `[N,H,W,C]`. */
export function checkInput(x: tf.Tensor, where: string): void {
  if (!(x instanceof tf.Tensor) || x.rank !== 4) {
    const shape = x instanceof tf.Tensor ? `[${x.shape.join(', ')}]` : typeof x;
    throw new ShapeError(`${where}: x`, `expected an NHWC batch [N,H,W,C], got ${shape}`);
  }
}

/**
 * Each named module's output for `x` (NHWC), evaluation mode; the caller disposes them.
 *
 * The forward pass runs with inference shortcuts off, so every module runs as written (a
 * BatchNorm folded into its conv for speed still has its own output here). Where a module runs
 * more than once in a pass, its last output is returned, as a PyTorch forward hook that stores
 * its output would keep. A wrong path throws `UnknownNameError`; a module that does not run
 * (an auxiliary head in evaluation, an activation its block applies inline) throws `OptionError`.
 */
export function featureMaps(model: Module, x: tf.Tensor4D, layers: string[]): Record<string, tf.Tensor4D> {
  checkInput(x, 'featureMaps');
  if (!Array.isArray(layers) || layers.length === 0)
    throw new OptionError('featureMaps: layers', `expected one module path or more, got ${JSON.stringify(layers)}`);
  const paths = [...new Set(layers)];
  const outputs = new Map<string, tf.Tensor[]>(paths.map((p) => [p, []]));
  const all = () => [...outputs.values()].flat();
  try {
    withHooks(
      model,
      paths,
      (hooks) => {
        tf.tidy(() => {
          model.forward(x);
        });
        checkRan(hooks, 'featureMaps: layers');
      },
      (hook, y) => {
        // A clone: an identity module (eval Dropout) returns its input itself, which the caller must not dispose.
        outputs.get(hook.path)?.push(tf.keep(tf.clone(y)));
        return y;
      },
    );
    const result: Record<string, tf.Tensor4D> = {};
    for (const [path, ys] of outputs) result[path] = expect4d(path, ys[ys.length - 1], 'featureMaps: layers');
    tf.dispose(all().filter((t) => !Object.values(result).includes(t as tf.Tensor4D)));
    return result;
  } catch (e) {
    tf.dispose(all());
    throw e;
  }
}
