import type { Module } from '@convkit/core';
import type { Layout } from './weight-file';

/**
 * A Linear module whose input is an NHWC feature map flattened H,W,C (VGG's classifier.0)
 * carries this; PyTorch flattened the same map C,H,W, so the weight's columns are reordered.
 */
export interface FlattenedInput {
  height: number;
  width: number;
  channels: number;
}

/** The flattened-input descriptions of a model's Linear modules, by module path. */
export function flattenedInputs(model: Module): Map<string, FlattenedInput> {
  const found = new Map<string, FlattenedInput>();
  for (const [path, m] of model.namedModules()) {
    const f = (m as unknown as { flattenedInput?: FlattenedInput }).flattenedInput;
    if (f) found.set(path, f);
  }
  return found;
}

/** How one source tensor becomes the tfjs-layout tensor a module stores. */
export type Conversion =
  | { kind: 'as-is' }
  | { kind: 'conv' } // OIHW → [kh,kw,in/groups,out] (grouped and depthwise convs too)
  | { kind: 'linear' } // [out,in] → [in,out]
  | { kind: 'linear-chw'; flattened: FlattenedInput }; // [out,C·H·W] → [H·W·C,out]

export function convertedShape(shape: readonly number[], c: Conversion): number[] {
  if (c.kind === 'conv') return [shape[2], shape[3], shape[1], shape[0]];
  if (c.kind === 'linear' || c.kind === 'linear-chw') return [shape[1], shape[0]];
  return [...shape];
}

/**
 * Picks the conversion for a tensor given the file's layout and the target's shape. PyTorch-layout
 * rank-4/rank-2 tensors are converted; if only the unconverted shape fits, the tensor is taken as
 * is (it was already in tfjs layout). The file's layout breaks ties for square shapes.
 */
export function chooseConversion(
  shape: readonly number[],
  target: readonly number[],
  layout: Layout,
  flattened?: FlattenedInput,
): Conversion {
  if (layout === 'tfjs') return { kind: 'as-is' };
  const c = conversionByRank(shape.length, shape[1], flattened);
  if (c.kind !== 'as-is' && !sameShape(convertedShape(shape, c), target) && sameShape(shape, target)) return { kind: 'as-is' };
  return c;
}

/** Rank 4 is a conv weight, rank 2 a Linear one (with `inFeatures` inputs, maybe a flattened map). */
function conversionByRank(rank: number, inFeatures: number, f?: FlattenedInput): Conversion {
  if (rank === 4) return { kind: 'conv' };
  if (rank !== 2) return { kind: 'as-is' };
  return f && f.height * f.width * f.channels === inFeatures && (f.height > 1 || f.width > 1)
    ? { kind: 'linear-chw', flattened: f }
    : { kind: 'linear' };
}

/**
 * The conversion `saveWeights` undoes for a tfjs-layout tensor (`[kh,kw,in,out]`, `[in,out]`) so
 * that `loadWeights` of the PyTorch-layout file picks it again: the two stay exact inverses.
 */
export function conversionForSaving(tfjsShape: readonly number[], flattened?: FlattenedInput): Conversion {
  return conversionByRank(tfjsShape.length, tfjsShape[0], flattened);
}

/** The PyTorch shape of a tfjs-layout tensor under `c` (inverse of `convertedShape`). */
export function pytorchShape(shape: readonly number[], c: Conversion): number[] {
  if (c.kind === 'conv') return [shape[3], shape[2], shape[0], shape[1]];
  if (c.kind === 'linear' || c.kind === 'linear-chw') return [shape[1], shape[0]];
  return [...shape];
}

type Values = Float32Array | Int32Array;

/** The inverse of `convertValues`: tfjs-layout values (of `shape`) in PyTorch's layout, a fresh array. */
export function toPytorchValues(values: Values, shape: readonly number[], c: Conversion): Values {
  if (c.kind === 'as-is') return values.slice();
  const out = new (values.constructor as new (n: number) => Values)(values.length);
  if (c.kind === 'conv') {
    // [H, W, I, O] → [O, I, H, W]
    const [H, W, I, O] = shape;
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
  // [in, out] → [out, in]; a row (h·W + w)·C + c of an NHWC flatten is PyTorch's column c·H·W + h·W + w.
  const [rows, cols] = shape;
  const f = c.kind === 'linear-chw' ? c.flattened : null;
  for (let r = 0; r < rows; r++) {
    const col = f ? (r % f.channels) * f.height * f.width + Math.floor(r / f.channels) : r;
    for (let o = 0; o < cols; o++) out[o * rows + col] = values[r * cols + o];
  }
  return out;
}

/**
 * Converts the values in plain loops (no tensor ops: tfjs-cpu's generic transpose is what made
 * loading slow) and returns a fresh array the caller may hand to a tensor.
 */
export function convertValues(values: Values, shape: readonly number[], c: Conversion): Values {
  if (c.kind === 'as-is') return values.slice();
  if (c.kind === 'conv') {
    // [O, I, H, W] → [H, W, I, O]
    const [O, I, H, W] = shape;
    const out = new (values.constructor as new (n: number) => Values)(values.length);
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
  // [out, in] → [in, out]; with a C,H,W flatten the input index is reordered to H,W,C first.
  const [rows, cols] = shape;
  const out = new (values.constructor as new (n: number) => Values)(values.length);
  const f = c.kind === 'linear-chw' ? c.flattened : null;
  for (let col = 0; col < cols; col++) {
    let target = col;
    if (f) {
      const ch = Math.floor(col / (f.height * f.width));
      const rest = col % (f.height * f.width);
      target = rest * f.channels + ch; // (h·W + w)·C + c
    }
    for (let r = 0; r < rows; r++) out[target * rows + r] = values[r * cols + col];
  }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
