import * as tf from '@tensorflow/tfjs-core';
import { ConvkitError, type Module, OptionError, ShapeError } from '@convkit/core';
import { checkRan, expect4d, withHooks } from './capture';
import { defaultCamLayer } from './default-layer';
import { checkInput } from './feature-maps';

export type CamMethod = 'gradcam' | 'gradcam++';

export interface GradCamOptions {
  /** Module path of the feature map to explain (default: `defaultCamLayer(model)`). */
  layer?: string;
  /**
   * The class to explain: one for every image, or one per image (default: each image's top class,
   * which reads the logits synchronously: on WebGPU, pass the class).
   */
  classIndex?: number | number[];
  method?: CamMethod;
}

export interface GradCamResult {
  /** `[N,H,W]` at the input's resolution, each image scaled to [0,1] by its own maximum. */
  heatmap: tf.Tensor3D;
  /** The class explained for each image. */
  classIndex: number[];
  /** The model's logits for `x` (pre-softmax). */
  logits: tf.Tensor2D;
}

// pytorch-grad-cam's GradCAMPlusPlus keeps its denominator off zero with this.
const PLUS_PLUS_EPS = 1e-6;

/**
 * Grad-CAM (Selvaraju et al.) or Grad-CAM++ (Chattopadhyay et al.) of `layer` for `classIndex`.
 *
 * With A the layer's output `[N,h,w,K]` and g = ∂logit_c/∂A (the logit before softmax):
 * - gradcam: α_k = mean over h,w of g_k;
 * - gradcam++: α_k = Σ_hw relu(g)·a with a = g² / (2g² + (Σ_hw A_k)·g³ + 1e-6), a = 0 where g = 0
 *   (pytorch-grad-cam's closed form);
 *
 * then cam = relu(Σ_k α_k A_k), resized to the input's height and width bilinearly with half-pixel
 * centres (`F.interpolate(mode='bilinear', align_corners=False)`), and divided per image by its
 * maximum, so the hottest pixel is 1; an image whose map is zero everywhere stays 0.
 *
 * Runs in evaluation mode with inference shortcuts off (see `featureMaps`); the model's modes are
 * restored and the caller disposes `heatmap` and `logits`.
 */
export function gradCam(model: Module, x: tf.Tensor4D, options: GradCamOptions = {}): GradCamResult {
  checkInput(x, 'gradCam');
  const method = options.method ?? 'gradcam';
  if (method !== 'gradcam' && method !== 'gradcam++')
    throw new OptionError('gradCam: method', `expected 'gradcam' or 'gradcam++', got '${String(method)}'`);
  const layer = options.layer ?? defaultCamLayer(model);
  const where = 'gradCam: layer';

  // Pass 1: the logits (for the default classes) and the layer's output A.
  const captured: tf.Tensor[] = [];
  let calls = 0;
  let logits: tf.Tensor;
  try {
    logits = withHooks(
      model,
      [layer],
      ([hook]) => {
        const out = tf.tidy(() => model.forward(x));
        calls = hook.calls;
        return out;
      },
      (_, y) => {
        // A clone: an identity module returns its input itself, which is not ours to dispose.
        captured.push(tf.keep(tf.clone(y)));
        return y;
      },
    );
  } catch (e) {
    tf.dispose(captured);
    throw e;
  }
  // The last call's output, as a forward hook that stores it would keep.
  const activation = captured.pop();
  tf.dispose(captured);
  const owned: tf.Tensor[] = [logits, ...(activation ? [activation] : [])];
  try {
    checkRan([{ path: layer, module: model, calls }], where);
    const a = expect4d(layer, activation as tf.Tensor, where);
    if (logits.rank !== 2 || logits.shape[0] !== x.shape[0])
      throw new ShapeError(
        'gradCam',
        `the model's output has shape [${logits.shape.join(', ')}], expected logits [${x.shape[0]}, classes]`,
      );
    const classIndex = pickClasses(logits as tf.Tensor2D, options.classIndex);
    const grad = layerGradient(model, x, layer, calls, a, classIndex, (logits as tf.Tensor2D).shape[1]);
    owned.push(grad);
    const heatmap = tf.tidy(() => {
      const weights = method === 'gradcam' ? tf.mean(grad, [1, 2], true) : plusPlusWeights(a, grad);
      const cam = tf.relu(tf.sum(tf.mul(weights, a), 3, true));
      const up = tf.image.resizeBilinear(cam as tf.Tensor4D, [x.shape[1], x.shape[2]], false, true);
      const max = tf.max(up, [1, 2, 3], true);
      return tf.squeeze(tf.div(up, tf.where(tf.greater(max, 0), max, tf.onesLike(max))), [3]) as tf.Tensor3D;
    });
    tf.dispose([a, grad]);
    return { heatmap, classIndex, logits: logits as tf.Tensor2D };
  } catch (e) {
    tf.dispose(owned);
    throw e;
  }
}

function pickClasses(logits: tf.Tensor2D, requested: number | number[] | undefined): number[] {
  const [n, classes] = logits.shape;
  if (requested === undefined) {
    const top = tf.argMax(logits, 1);
    const classes = Array.from(top.dataSync());
    top.dispose();
    return classes;
  }
  const list = Array.isArray(requested) ? requested : new Array<number>(n).fill(requested);
  if (list.length !== n) throw new OptionError('gradCam: classIndex', `expected one class per image (${n}), got ${list.length}`);
  const bad = list.find((c) => !Number.isInteger(c) || c < 0 || c >= classes);
  if (bad !== undefined) throw new OptionError('gradCam: classIndex', `expected integers in [0, ${classes - 1}], got ${bad}`);
  return list;
}

/**
 * ∂(Σ_i logit_i,c_i)/∂A: images are independent in evaluation mode, so one backward pass gives
 * each image its own gradient. A zero tensor added to the layer's output (its last call) is what
 * the gradient is taken against, so the backward pass stops at the layer.
 */
function layerGradient(
  model: Module,
  x: tf.Tensor4D,
  layer: string,
  calls: number,
  a: tf.Tensor4D,
  classes: number[],
  numClasses: number,
): tf.Tensor4D {
  const oneHot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), numClasses), 'float32'));
  const delta = tf.zerosLike(a);
  let probe: tf.Tensor | null = null;
  try {
    return withHooks(
      model,
      [layer],
      () =>
        tf.grad((d: tf.Tensor) => {
          probe = d;
          return tf.sum(tf.mul(model.forward(x), oneHot));
        })(delta) as tf.Tensor4D,
      (hook, y) => (hook.calls === calls && probe ? tf.add(y, probe) : y),
    );
  } catch (e) {
    if (e instanceof ConvkitError) throw e;
    throw new ConvkitError(
      'gradCam: layer',
      `cannot take the gradient of the logits with respect to '${layer}' (${(e as Error).message})`,
      { cause: e },
    );
  } finally {
    tf.dispose([oneHot, delta]);
  }
}

/** Grad-CAM++ channel weights, `[N,1,1,K]`. */
function plusPlusWeights(a: tf.Tensor4D, g: tf.Tensor4D): tf.Tensor {
  const g2 = tf.square(g);
  const g3 = tf.mul(g2, g);
  const sumA = tf.sum(a, [1, 2], true);
  const alpha = tf.div(g2, tf.add(tf.add(tf.mul(g2, 2), tf.mul(sumA, g3)), PLUS_PLUS_EPS));
  const masked = tf.where(tf.notEqual(g, 0), alpha, tf.zerosLike(alpha));
  return tf.sum(tf.mul(tf.relu(g), masked), [1, 2], true);
}
