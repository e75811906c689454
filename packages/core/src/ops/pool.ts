import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError } from '../errors';
import { poolOutputSize } from '../formulas';
import { assertRank, type Pair, shapeString, toPair } from '../validate';

export interface Pool2dOptions {
  kernelSize: number | [number, number];
  /** Defaults to `kernelSize`, as in PyTorch. */
  stride?: number | [number, number];
  padding?: number | [number, number];
  /** Lets the last window hang over the edge (PyTorch's `ceil_mode`). */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /** Count the zero padding in the divisor (PyTorch's default, true). */
  countIncludePad?: boolean;
  divisorOverride?: number;
}

interface PoolGeometry {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  out: Pair;
  /** Extra rows/columns at the bottom/right that ceil mode needs. */
  extra: Pair;
}

function poolGeometry(where: string, x: tf.Tensor4D, options: Pool2dOptions): PoolGeometry {
  assertRank(where, 'input', x, 4, 'NHWC [N,H,W,C]');
  if (options == null || options.kernelSize == null) throw new OptionError(where, 'kernelSize is required');
  const kernel = toPair(where, 'kernelSize', options.kernelSize, 1);
  const stride = toPair(where, 'stride', options.stride ?? kernel, 1);
  const padding = toPair(where, 'padding', options.padding ?? 0, 0);
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1]) {
    throw new OptionError(where, `padding [${padding}] must be at most half the kernel size [${kernel}]`);
  }
  const size: Pair = [x.shape[1], x.shape[2]];
  const out = [0, 1].map((i) => {
    const o =
      size[i] + 2 * padding[i] < kernel[i]
        ? 0
        : poolOutputSize(size[i], kernel[i], { stride: stride[i], padding: padding[i], ceilMode: options.ceilMode });
    if (o < 1)
      throw new ShapeError(
        where,
        `input ${shapeString(x.shape)} is too small for a ${kernel[0]}x${kernel[1]} window with padding [${padding}]`,
      );
    return o;
  }) as Pair;
  const extra = [0, 1].map((i) => Math.max(0, (out[i] - 1) * stride[i] + kernel[i] - (size[i] + 2 * padding[i]))) as Pair;
  return { kernel, stride, padding, out, extra };
}

/** PyTorch's padding plus the extra bottom/right rows that `ceilMode` windows reach, as NHWC padding. */
function explicitPadding(g: PoolGeometry): tf.backend_util.ExplicitPadding {
  const [ph, pw] = g.padding;
  return [
    [0, 0],
    [ph, ph + g.extra[0]],
    [pw, pw + g.extra[1]],
    [0, 0],
  ];
}

function padFor(g: PoolGeometry, x: tf.Tensor4D, value: number): tf.Tensor4D {
  const [ph, pw] = g.padding;
  if (ph === 0 && pw === 0 && g.extra[0] === 0 && g.extra[1] === 0) return x;
  return tf.pad(x, explicitPadding(g), value);
}

/** Max pooling with PyTorch's padding (never selected: tfjs skips taps outside the input) and `ceilMode`. */
export function maxPool2d(x: tf.Tensor4D, options: Pool2dOptions): tf.Tensor4D {
  const g = poolGeometry('maxPool2d', x, options);
  return tf.tidy(() => tf.maxPool(x, g.kernel, g.stride, explicitPadding(g)));
}

/** Average pooling with PyTorch's `countIncludePad`, `ceilMode` and `divisorOverride`. */
export function avgPool2d(x: tf.Tensor4D, options: AvgPool2dOptions): tf.Tensor4D {
  const g = poolGeometry('avgPool2d', x, options);
  const { countIncludePad = true, divisorOverride } = options;
  if (divisorOverride !== undefined && !(divisorOverride > 0)) {
    throw new OptionError('avgPool2d', `divisorOverride must be > 0, got ${divisorOverride}`);
  }
  const [kh, kw] = g.kernel;
  const [H, W] = [x.shape[1], x.shape[2]];
  // Window sums come from a plain average over the zero-padded input; PyTorch's divisor differs per window.
  const scale = new Float32Array(g.out[0] * g.out[1]);
  let uniform = true;
  for (let i = 0; i < g.out[0]; i++) {
    for (let j = 0; j < g.out[1]; j++) {
      const h0 = i * g.stride[0] - g.padding[0];
      const w0 = j * g.stride[1] - g.padding[1];
      const h1 = Math.min(h0 + kh, H + g.padding[0]);
      const w1 = Math.min(w0 + kw, W + g.padding[1]);
      const padded = (h1 - h0) * (w1 - w0);
      const inside = (Math.min(h1, H) - Math.max(h0, 0)) * (Math.min(w1, W) - Math.max(w0, 0));
      const divisor = divisorOverride ?? (countIncludePad ? padded : inside);
      scale[i * g.out[1] + j] = (kh * kw) / divisor;
      if (scale[i * g.out[1] + j] !== 1) uniform = false;
    }
  }
  return tf.tidy(() => {
    const mean = tf.avgPool(padFor(g, x, 0), g.kernel, g.stride, 'valid');
    return uniform ? mean : tf.mul(mean, tf.tensor4d(scale, [1, g.out[0], g.out[1], 1]));
  });
}

/**
 * Averaging matrix `[out, in]` of PyTorch's adaptive pooling bins `[floor(i·in/out), ceil((i+1)·in/out))`
 * (also what an exporter writes where a graph format has no adaptive pooling).
 */
export function adaptiveBins(inSize: number, outSize: number): tf.Tensor2D {
  const m = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let k = start; k < end; k++) m[i * inSize + k] = 1 / (end - start);
  }
  return tf.tensor2d(m, [outSize, inSize]);
}

/** PyTorch's `AdaptiveAvgPool2d`: `outputSize` entries may be `null` to keep that size. */
export function adaptiveAvgPool2d(x: tf.Tensor4D, outputSize: number | [number | null, number | null]): tf.Tensor4D {
  const where = 'adaptiveAvgPool2d';
  assertRank(where, 'input', x, 4, 'NHWC [N,H,W,C]');
  const [N, H, W, C] = x.shape;
  const requested = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  const [oh, ow] = toPair(where, 'outputSize', [requested[0] ?? H, requested[1] ?? W], 1);
  return tf.tidy(() => {
    if (H % oh === 0 && W % ow === 0) {
      if (oh === H && ow === W) return tf.clone(x);
      return tf.avgPool(x, [H / oh, W / ow], [H / oh, W / ow], 'valid');
    }
    // Separable: average rows with one matrix, then columns with another.
    const byRow = tf.reshape(tf.transpose(tf.reshape(x, [N, H, W * C]), [1, 0, 2]), [H, N * W * C]);
    const rows = tf.matMul(adaptiveBins(H, oh), byRow);
    const byCol = tf.reshape(tf.transpose(tf.reshape(rows, [oh, N, W, C]), [2, 1, 0, 3]), [W, N * oh * C]);
    const cols = tf.matMul(adaptiveBins(W, ow), byCol);
    return tf.transpose(tf.reshape(cols, [ow, N, oh, C]), [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** Mean over H and W: `[N,H,W,C]` → `[N,C]` (or `[N,1,1,C]` with `keepDims`). */
export function globalAvgPool2d(x: tf.Tensor4D, { keepDims = false }: { keepDims?: boolean } = {}): tf.Tensor {
  assertRank('globalAvgPool2d', 'input', x, 4, 'NHWC [N,H,W,C]');
  // One pooling window over the whole map: the pooling kernel is several times faster than Mean.
  const [N, H, W, C] = x.shape;
  return tf.tidy(() => {
    const pooled = tf.avgPool(x, [H, W], [H, W], 'valid');
    return keepDims ? pooled : tf.reshape(pooled, [N, C]);
  });
}
