/**
 * Per-axis sampling taps of `torch.nn.functional.interpolate(..., align_corners=False)`.
 * A 2-D resize is separable, so each axis gets `taps` (source index, weight) pairs per output
 * position; resize.ts applies them as gathers. The formulas follow PyTorch's CPU kernels
 * (UpSampleKernel.cpp), including their float32 index arithmetic, so results agree to ~1e-6.
 */

export type InterpolationMode = 'nearest' | 'bilinear' | 'bicubic';

export interface AxisTaps {
  taps: number;
  /** `[taps, out]`, tap-major: `index[k * out + o]` is tap k of output o. */
  index: Int32Array;
  weight: Float32Array;
}

const f = Math.fround;

/** PyTorch's bicubic coefficient A (OpenCV's choice); the antialiased path uses PIL's -0.5 instead. */
const CUBIC_A = -0.75;
const CUBIC_A_AA = -0.5;

function cubic(x: number, a: number): number {
  x = Math.abs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

const triangle = (x: number) => Math.max(0, 1 - Math.abs(x));

/** Taps for one axis resized from `inSize` to `outSize`. */
export function axisTaps(inSize: number, outSize: number, mode: InterpolationMode, antialias: boolean): AxisTaps {
  const scale = f(inSize / outSize);
  if (mode === 'nearest') return nearestTaps(inSize, outSize, scale);
  if (antialias) return antialiasTaps(inSize, outSize, scale, mode);
  // Plain bilinear never gets here: resize.ts uses tfjs's resizeBilinear, which computes the same.
  if (mode === 'bilinear') throw new Error('axisTaps: bilinear without antialias is tf.image.resizeBilinear');
  const taps = 4;
  const index = new Int32Array(taps * outSize);
  const weight = new Float32Array(taps * outSize);
  for (let o = 0; o < outSize; o++) {
    // area_pixel_compute_source_index with half-pixel centres; unlike bilinear, cubic does not clamp it.
    const src = f(f(scale * f(o + 0.5)) - 0.5);
    const i0 = Math.floor(src);
    const t = f(src - i0);
    for (let k = 0; k < 4; k++) {
      index[k * outSize + o] = Math.min(Math.max(i0 - 1 + k, 0), inSize - 1);
      weight[k * outSize + o] = cubic(k - 1 - t, CUBIC_A);
    }
  }
  return { taps, index, weight };
}

function nearestTaps(inSize: number, outSize: number, scale: number): AxisTaps {
  const index = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    // PyTorch's 'nearest' (not 'nearest-exact'): floor(o · scale), with its two exact shortcuts.
    if (outSize === inSize) index[o] = o;
    else if (outSize === 2 * inSize) index[o] = o >> 1;
    else index[o] = Math.min(Math.floor(f(o * scale)), inSize - 1);
  }
  return { taps: 1, index, weight: new Float32Array(outSize).fill(1) };
}

/**
 * `antialias=True` (PIL's filter): when shrinking, the kernel is stretched by the scale so every
 * input pixel contributes, and each output's weights are normalised to sum to 1.
 */
function antialiasTaps(inSize: number, outSize: number, scale: number, mode: 'bilinear' | 'bicubic'): AxisTaps {
  const filter = mode === 'bilinear' ? triangle : (x: number) => cubic(x, CUBIC_A_AA);
  const halfWidth = mode === 'bilinear' ? 1 : 2;
  const support = scale >= 1 ? halfWidth * scale : halfWidth;
  const invScale = scale >= 1 ? 1 / scale : 1;
  const rows: { start: number; w: number[] }[] = [];
  let taps = 1;
  for (let o = 0; o < outSize; o++) {
    const center = scale * (o + 0.5);
    const start = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - start;
    const w: number[] = [];
    for (let j = 0; j < count; j++) w.push(filter((j + start - center + 0.5) * invScale));
    const total = w.reduce((a, b) => a + b, 0);
    rows.push({ start, w: total !== 0 ? w.map((v) => v / total) : w });
    taps = Math.max(taps, count);
  }
  const index = new Int32Array(taps * outSize);
  const weight = new Float32Array(taps * outSize);
  rows.forEach(({ start, w }, o) => {
    for (let k = 0; k < taps; k++) {
      // Unused taps point at a valid pixel with weight 0, so every output has the same tap count.
      index[k * outSize + o] = k < w.length ? start + k : start;
      weight[k * outSize + o] = k < w.length ? w[k] : 0;
    }
  });
  return { taps, index, weight };
}
