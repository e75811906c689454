import { OptionError, ShapeError } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkBatch } from './check';
import { roundHalfEven } from './crop';

/**
 * torchvision 0.14's tensor `rotate` and `affine`: an inverse affine matrix (`_get_inverse_affine_matrix`)
 * turned into a sampling grid (`_gen_affine_grid`) and sampled like `grid_sample(align_corners=False,
 * padding_mode='zeros')`. The grid is computed here in float32 with PyTorch's order of operations,
 * so nearest-neighbour picks agree with PyTorch's, then applied with gathers (any backend).
 */

export type GridInterpolation = 'nearest' | 'bilinear';
/** Colour outside the transformed image: one value for every channel, or one per channel. */
export type Fill = number | readonly number[];

export interface GridOptions {
  /** Default 'nearest', like torchvision. */
  interpolation?: GridInterpolation;
  /**
   * Without `fill`, pixels from outside the image are 0 (bilinear blends towards 0 at the edges).
   * With it, torchvision's mask path: the outside is `fill` and bilinear edges blend towards it —
   * `fill: 0` is therefore not the same as no fill with bilinear interpolation, as in torchvision.
   */
  fill?: Fill;
  /** Centre of rotation `[x, y]` in pixels from the top-left corner; default the image centre. */
  center?: readonly [number, number];
}

export interface AffineParams {
  /** Degrees, clockwise (torchvision's `affine` convention). */
  angle: number;
  /** `[tx, ty]` in pixels, applied after rotation. */
  translate: readonly [number, number];
  scale: number;
  /** Degrees: one value shears along x; `[sx, sy]` along both. */
  shear: number | readonly number[];
}

const f = Math.fround;
const radians = (deg: number) => (deg * Math.PI) / 180;

/** torchvision's `_get_inverse_affine_matrix` (output → input pixel map, centre-relative), in float64. */
export function inverseAffineMatrix(
  center: readonly [number, number],
  angle: number,
  translate: readonly [number, number],
  scale: number,
  shear: readonly [number, number],
): number[] {
  const rot = radians(angle);
  const [sx, sy] = [radians(shear[0]), radians(shear[1])];
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/** `_compute_affine_output_size`: the `[height, width]` that holds the whole transformed image (`expand`). */
function expandedSize(m: readonly number[], w: number, h: number): [number, number] {
  const corners = [
    [-0.5 * w, -0.5 * h],
    [-0.5 * w, 0.5 * h],
    [0.5 * w, 0.5 * h],
    [0.5 * w, -0.5 * h],
  ];
  const xs = corners.map(([x, y]) => m[0] * x + m[1] * y + m[2] + w * 0.5);
  const ys = corners.map(([x, y]) => m[3] * x + m[4] * y + m[5] + h * 0.5);
  // torchvision truncates to 1e-4 first so that 1e-15 above an integer does not round up.
  const tol = 1e-4;
  const span = (v: number[]) => Math.ceil(Math.trunc(Math.max(...v) / tol) * tol) - Math.floor(Math.trunc(Math.min(...v) / tol) * tol);
  return [span(ys), span(xs)];
}

/** Gather indices and weights of each grid_sample tap, plus the in-image mask (the weight sum). */
function sampleTaps(m: readonly number[], h: number, w: number, oh: number, ow: number, mode: GridInterpolation) {
  const theta = m.map(f);
  const [hw, hh] = [f(0.5 * w), f(0.5 * h)];
  const [a, b, c] = [f(theta[0] / hw), f(theta[1] / hw), f(theta[2] / hw)];
  const [d, e, g] = [f(theta[3] / hh), f(theta[4] / hh), f(theta[5] / hh)];
  const count = oh * ow;
  const taps = mode === 'nearest' ? 1 : 4;
  const index = Array.from({ length: taps }, () => new Int32Array(count));
  const weight = Array.from({ length: taps }, () => new Float32Array(count));
  const mask = new Float32Array(count);
  for (let i = 0; i < oh; i++) {
    const y = -oh * 0.5 + 0.5 + i;
    for (let j = 0; j < ow; j++) {
      const x = -ow * 0.5 + 0.5 + j;
      const p = i * ow + j;
      const gx = f(f(f(x * a) + f(y * b)) + c);
      const gy = f(f(f(x * d) + f(y * e)) + g);
      // grid_sample's unnormalize with align_corners=False.
      const ix = f(f(f(f(gx + 1) * w) - 1) / 2);
      const iy = f(f(f(f(gy + 1) * h) - 1) / 2);
      const put = (k: number, xi: number, yi: number, wt: number) => {
        const inside = xi >= 0 && xi < w && yi >= 0 && yi < h;
        index[k][p] = inside ? yi * w + xi : 0;
        weight[k][p] = inside ? wt : 0;
        mask[p] += inside ? wt : 0;
      };
      if (mode === 'nearest') {
        put(0, roundHalfEven(ix), roundHalfEven(iy), 1);
        continue;
      }
      const [x0, y0] = [Math.floor(ix), Math.floor(iy)];
      const [x1, y1] = [x0 + 1, y0 + 1];
      put(0, x0, y0, f(f(x1 - ix) * f(y1 - iy)));
      put(1, x1, y0, f(f(ix - x0) * f(y1 - iy)));
      put(2, x0, y1, f(f(x1 - ix) * f(iy - y0)));
      put(3, x1, y1, f(f(ix - x0) * f(iy - y0)));
    }
  }
  return { index, weight, mask };
}

function checkGridOptions(where: string, x: tf.Tensor4D, options: GridOptions): number[] | undefined {
  const { interpolation = 'nearest', fill, center } = options;
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') {
    throw new OptionError(`${where}.interpolation`, `must be 'nearest' or 'bilinear', got '${interpolation}'`);
  }
  if (center !== undefined && !(center.length === 2 && center.every(Number.isFinite))) {
    throw new OptionError(`${where}.center`, `must be [x, y] of finite numbers, got ${JSON.stringify(center)}`);
  }
  if (fill === undefined) return undefined;
  const values = typeof fill === 'number' ? [fill] : [...fill];
  if (!values.every(Number.isFinite) || (values.length !== 1 && values.length !== x.shape[3])) {
    throw new OptionError(`${where}.fill`, `must be a number or ${x.shape[3]} numbers (one per channel), got ${JSON.stringify(fill)}`);
  }
  return values;
}

/** Samples `x` on the grid of inverse matrix `m` into an `oh × ow` output (torchvision's `_apply_grid_transform`). */
function gridTransform(
  x: tf.Tensor4D,
  m: readonly number[],
  oh: number,
  ow: number,
  mode: GridInterpolation,
  fill?: number[],
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const { index, weight, mask } = sampleTaps(m, h, w, oh, ow, mode);
  return tf.tidy(() => {
    const flat = tf.reshape(x, [n, h * w, c]);
    const terms = index.map((idx, k) => tf.mul(tf.gather(flat, tf.tensor1d(idx, 'int32'), 1), tf.tensor3d(weight[k], [1, oh * ow, 1])));
    let y = terms.length === 1 ? terms[0] : tf.addN(terms);
    if (fill) {
      const maskT = tf.tensor3d(mask, [1, oh * ow, 1]);
      const fillT = tf.tensor1d(fill);
      y =
        mode === 'nearest'
          ? tf.where(tf.less(maskT, 0.5), tf.broadcastTo(fillT, y.shape), y)
          : tf.add(tf.mul(y, maskT), tf.mul(tf.sub(1, maskT), fillT));
    }
    return tf.reshape(y, [n, oh, ow, c]);
  });
}

/** torchvision gives `center` in pixels; the matrix wants it relative to the image centre. */
function centreOffset(x: tf.Tensor4D, center?: readonly [number, number]): [number, number] {
  return center ? [center[0] - x.shape[2] * 0.5, center[1] - x.shape[1] * 0.5] : [0, 0];
}

/**
 * `F.rotate(img, angle, interpolation, expand, center, fill)`: rotates every image of the batch
 * `angle` degrees counter-clockwise; `expand` grows the output to hold the whole rotated image.
 */
export function rotate(x: tf.Tensor4D, angle: number, options: GridOptions & { expand?: boolean } = {}): tf.Tensor4D {
  checkBatch('rotate', x);
  if (!Number.isFinite(angle)) throw new OptionError('rotate.angle', `must be a finite number of degrees, got ${angle}`);
  const fill = checkGridOptions('rotate', x, options);
  const m = inverseAffineMatrix(centreOffset(x, options.center), -angle, [0, 0], 1, [0, 0]);
  const [, h, w] = x.shape;
  const [oh, ow] = options.expand ? expandedSize(m.map(f), w, h) : [h, w];
  return gridTransform(x, m, oh, ow, options.interpolation ?? 'nearest', fill);
}

/** `shear` as torchvision reads it: a number shears along x, `[s]` along both, `[sx, sy]` each. */
export function toShear(where: string, shear: number | readonly number[]): [number, number] {
  const pair = typeof shear === 'number' ? [shear, 0] : shear.length === 1 ? [shear[0], shear[0]] : [...shear];
  if (pair.length !== 2 || !pair.every(Number.isFinite)) {
    throw new OptionError(where, `must be a number, [s] or [sx, sy] of finite degrees, got ${JSON.stringify(shear)}`);
  }
  return pair as [number, number];
}

/**
 * `F.affine(img, angle, translate, scale, shear, interpolation, fill, center)`: rotation (clockwise),
 * scale and shear about the centre, then translation, keeping the image size.
 */
export function affine(x: tf.Tensor4D, params: AffineParams, options: GridOptions = {}): tf.Tensor4D {
  checkBatch('affine', x);
  const { angle, translate, scale } = params;
  if (!Number.isFinite(angle)) throw new OptionError('affine.angle', `must be a finite number of degrees, got ${angle}`);
  if (!(translate?.length === 2 && translate.every(Number.isFinite))) {
    throw new OptionError('affine.translate', `must be [tx, ty] in pixels, got ${JSON.stringify(translate)}`);
  }
  if (!(Number.isFinite(scale) && scale > 0)) throw new OptionError('affine.scale', `must be a finite number > 0, got ${scale}`);
  const shear = toShear('affine.shear', params.shear);
  const fill = checkGridOptions('affine', x, options);
  if (x.shape[1] === 0 || x.shape[2] === 0) throw new ShapeError('affine', `images must not be empty, got [${x.shape.join(',')}]`);
  const m = inverseAffineMatrix(centreOffset(x, options.center), angle, translate, scale, shear);
  return gridTransform(x, m, x.shape[1], x.shape[2], options.interpolation ?? 'nearest', fill);
}
