import { ShapeError } from './errors';
import type { Module } from './module';
import { sameShape, shapeString } from './validate';

// The one place where parameters move between convkit's tfjs layouts and PyTorch's (which ONNX
// shares): loading and saving state dicts (@convkit/weights) and writing initializers (@convkit/onnx).

/** Which layout a parameter is in: PyTorch's (conv OIHW, Linear `[out,in]`) or convkit's tfjs one. */
export type Layout = 'pytorch' | 'tfjs';

/**
 * A Linear module whose input is an NHWC feature map flattened H,W,C (VGG's classifier.0)
 * carries this; PyTorch flattened the same map C,H,W, so the weight's columns are reordered.
 */
export interface FlattenedInput {
  height: number;
  width: number;
  channels: number;
}

/** How one parameter differs between the two layouts (it is the same for both directions). */
export type LayoutConversion =
  | { kind: 'as-is' }
  | { kind: 'conv' } // PyTorch [out, in/groups, kh, kw] ↔ tfjs [kh, kw, in/groups, out] (grouped and depthwise too)
  | { kind: 'linear' } // [out, in] ↔ [in, out]
  | { kind: 'linear-chw'; flattened: FlattenedInput }; // [out, C·H·W] ↔ [H·W·C, out]

/**
 * The conversion of a parameter given its tfjs shape: rank 4 is a conv weight, rank 2 a Linear
 * one, whose rows are reordered when `flattened` describes its `[H,W,C]` input; anything else
 * (biases, BatchNorm) is the same in both layouts. Saving and exporting use it, and loading picks
 * it again for the saved file, so the two directions stay exact inverses.
 */
export function parameterConversion(tfjsShape: readonly number[], flattened?: FlattenedInput): LayoutConversion {
  return conversionByRank(tfjsShape.length, tfjsShape[0], flattened);
}

/**
 * The conversion for loading a file tensor of `fileShape` into a parameter of `targetShape`
 * (tfjs). A PyTorch-layout file's rank-4/rank-2 tensors are converted; if only the unconverted
 * shape fits, the tensor is taken as is (it was already in tfjs layout). The file's layout breaks
 * ties for square shapes.
 */
export function chooseConversion(
  fileShape: readonly number[],
  targetShape: readonly number[],
  fileLayout: Layout,
  flattened?: FlattenedInput,
): LayoutConversion {
  if (fileLayout === 'tfjs') return { kind: 'as-is' };
  const c = conversionByRank(fileShape.length, fileShape[1], flattened);
  if (c.kind !== 'as-is' && !sameShape(toTfjsShape(fileShape, c), targetShape) && sameShape(fileShape, targetShape))
    return { kind: 'as-is' };
  return c;
}

function conversionByRank(rank: number, inFeatures: number, f?: FlattenedInput): LayoutConversion {
  if (rank === 4) return { kind: 'conv' };
  if (rank !== 2) return { kind: 'as-is' };
  return f && f.height * f.width * f.channels === inFeatures && (f.height > 1 || f.width > 1)
    ? { kind: 'linear-chw', flattened: f }
    : { kind: 'linear' };
}

/** The tfjs shape of a PyTorch-layout tensor. */
export function toTfjsShape(pytorchShape: readonly number[], c: LayoutConversion): number[] {
  checkRank('toTfjsShape', pytorchShape, c);
  if (c.kind === 'conv') return [pytorchShape[2], pytorchShape[3], pytorchShape[1], pytorchShape[0]];
  if (c.kind !== 'as-is') return [pytorchShape[1], pytorchShape[0]];
  return [...pytorchShape];
}

/** The PyTorch shape of a tfjs-layout tensor. */
export function toPytorchShape(tfjsShape: readonly number[], c: LayoutConversion): number[] {
  checkRank('toPytorchShape', tfjsShape, c);
  if (c.kind === 'conv') return [tfjsShape[3], tfjsShape[2], tfjsShape[0], tfjsShape[1]];
  if (c.kind !== 'as-is') return [tfjsShape[1], tfjsShape[0]];
  return [...tfjsShape];
}

type Values = Float32Array | Int32Array;

/**
 * A PyTorch-layout tensor's values (of `pytorchShape`) in tfjs layout, in a fresh array the caller
 * may hand to a tensor. Plain loops, no tensor ops: tfjs-cpu's generic transpose made loading slow.
 */
export function toTfjsValues<V extends Values>(values: V, pytorchShape: readonly number[], c: LayoutConversion): V {
  checkValues('toTfjsValues', values, pytorchShape, c, 1);
  if (c.kind === 'as-is') return values.slice() as V;
  const out = new (values.constructor as new (n: number) => V)(values.length);
  if (c.kind === 'conv') {
    const [O, I, H, W] = pytorchShape;
    for (let o = 0; o < O; o++) {
      for (let i = 0; i < I; i++) {
        const src = (o * I + i) * H * W;
        for (let h = 0; h < H; h++) {
          for (let w = 0; w < W; w++) out[((h * W + w) * I + i) * O + o] = values[src + h * W + w];
        }
      }
    }
    return out;
  }
  const [rows, cols] = pytorchShape;
  for (let col = 0; col < cols; col++) {
    const target = c.kind === 'linear-chw' ? nhwcIndex(col, c.flattened) : col;
    for (let r = 0; r < rows; r++) out[target * rows + r] = values[r * cols + col];
  }
  return out;
}

/** The inverse of `toTfjsValues`: a tfjs-layout tensor's values (of `tfjsShape`) in PyTorch's layout, a fresh array. */
export function toPytorchValues<V extends Values>(values: V, tfjsShape: readonly number[], c: LayoutConversion): V {
  checkValues('toPytorchValues', values, tfjsShape, c, 0);
  if (c.kind === 'as-is') return values.slice() as V;
  const out = new (values.constructor as new (n: number) => V)(values.length);
  if (c.kind === 'conv') {
    const [H, W, I, O] = tfjsShape;
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let i = 0; i < I; i++) {
          const src = ((h * W + w) * I + i) * O;
          for (let o = 0; o < O; o++) out[((o * I + i) * H + h) * W + w] = values[src + o];
        }
      }
    }
    return out;
  }
  const [rows, cols] = tfjsShape;
  for (let r = 0; r < rows; r++) {
    const col = c.kind === 'linear-chw' ? chwIndex(r, c.flattened) : r;
    for (let o = 0; o < cols; o++) out[o * rows + col] = values[r * cols + o];
  }
  return out;
}

// Input index c·H·W + h·W + w of PyTorch's C,H,W flatten ↔ (h·W + w)·C + c of convkit's NHWC one.
function nhwcIndex(chw: number, f: FlattenedInput): number {
  const hw = f.height * f.width;
  return (chw % hw) * f.channels + Math.floor(chw / hw);
}

function chwIndex(hwc: number, f: FlattenedInput): number {
  return (hwc % f.channels) * f.height * f.width + Math.floor(hwc / f.channels);
}

const ranks = { 'as-is': undefined, conv: 4, linear: 2, 'linear-chw': 2 } as const;

function checkRank(where: string, shape: readonly number[], c: LayoutConversion): void {
  const rank = ranks[c.kind];
  if (rank !== undefined && shape.length !== rank)
    throw new ShapeError(where, `a '${c.kind}' conversion needs a rank-${rank} shape, got ${shapeString(shape)}`);
}

/** `inAxis`: where the in-features are, PyTorch's dim 1 or tfjs's dim 0. */
function checkValues(where: string, values: Values, shape: readonly number[], c: LayoutConversion, inAxis: 0 | 1): void {
  checkRank(where, shape, c);
  const size = shape.reduce((a, b) => a * b, 1);
  if (values.length !== size) throw new ShapeError(where, `shape ${shapeString(shape)} has ${size} values, got ${values.length}`);
  if (c.kind !== 'linear-chw') return;
  const { height, width, channels } = c.flattened;
  const inFeatures = shape[inAxis];
  if (height * width * channels !== inFeatures)
    throw new ShapeError(
      where,
      `flattened input ${height}x${width}x${channels} has ${height * width * channels} features, the weight ${inFeatures}`,
    );
}

/** The flattened-input descriptions (`flattenedInput` of a Linear) of a model's modules, by module path. */
export function flattenedInputs(model: Module): Map<string, FlattenedInput> {
  const found = new Map<string, FlattenedInput>();
  for (const [path, m] of model.namedModules()) {
    const f = (m as unknown as { flattenedInput?: FlattenedInput }).flattenedInput;
    if (f) found.set(path, f);
  }
  return found;
}
