import { describe, expect, it } from 'vitest';
import { ShapeError } from './errors';
import {
  chooseConversion,
  type LayoutConversion,
  parameterConversion,
  toPytorchShape,
  toPytorchValues,
  toTfjsShape,
  toTfjsValues,
} from './layout';

const conv: LayoutConversion = { kind: 'conv' };
const linear: LayoutConversion = { kind: 'linear' };
// A 1×2 map with 2 channels, flattened: PyTorch's columns c·2 + w, convkit's rows w·2 + c.
const chw: LayoutConversion = { kind: 'linear-chw', flattened: { height: 1, width: 2, channels: 2 } };

describe('parameter layouts (hand-worked)', () => {
  it('a conv weight: PyTorch [O=2, I=2, H=1, W=2] ↔ tfjs [H, W, I, O]', () => {
    // PyTorch's element (o, i, 0, w) holds o·4 + i·2 + w. In tfjs order (w, i, o):
    // w0 i0 → 0, 4 · w0 i1 → 2, 6 · w1 i0 → 1, 5 · w1 i1 → 3, 7.
    const torch = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const tfjs = [0, 4, 2, 6, 1, 5, 3, 7];
    expect(toTfjsShape([2, 2, 1, 2], conv)).toEqual([1, 2, 2, 2]);
    expect(Array.from(toTfjsValues(torch, [2, 2, 1, 2], conv))).toEqual(tfjs);
    expect(toPytorchShape([1, 2, 2, 2], conv)).toEqual([2, 2, 1, 2]);
    expect(Array.from(toPytorchValues(Float32Array.from(tfjs), [1, 2, 2, 2], conv))).toEqual(Array.from(torch));
  });

  it('a Linear weight: [out=2, in=3] ↔ [in, out]', () => {
    const torch = Int32Array.from([0, 1, 2, 3, 4, 5]); // rows [0,1,2] and [3,4,5]
    const out = toTfjsValues(torch, [2, 3], linear);
    expect(out).toBeInstanceOf(Int32Array);
    expect(Array.from(out)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(toPytorchValues(out, [3, 2], linear))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a Linear after a flatten: PyTorch flattens C,H,W, convkit H,W,C', () => {
    // Output row o holds 10·(o+1) + its column: c0w0, c0w1, c1w0, c1w1 in PyTorch's order.
    const torch = Float32Array.from([10, 11, 12, 13, 20, 21, 22, 23]);
    // convkit's rows are w0c0, w0c1, w1c0, w1c1 — PyTorch's columns 0, 2, 1, 3 — each [out0, out1].
    const tfjs = [10, 20, 12, 22, 11, 21, 13, 23];
    expect(Array.from(toTfjsValues(torch, [2, 4], chw))).toEqual(tfjs);
    expect(Array.from(toPytorchValues(Float32Array.from(tfjs), [4, 2], chw))).toEqual(Array.from(torch));
  });

  it('biases and BatchNorm tensors are the same in both layouts, copied', () => {
    const v = Float32Array.from([1, 2, 3]);
    const out = toTfjsValues(v, [3], { kind: 'as-is' });
    expect(Array.from(out)).toEqual([1, 2, 3]);
    expect(out).not.toBe(v);
  });

  it('round-trips larger tensors both ways', () => {
    const cases: [number[], LayoutConversion][] = [
      [[2, 3, 4, 5], conv],
      [[3, 1, 2, 2], conv],
      [[6, 7], linear],
      [[7, 3 * 2 * 4], { kind: 'linear-chw', flattened: { height: 3, width: 2, channels: 4 } }],
    ];
    for (const [torchShape, c] of cases) {
      const values = Float32Array.from({ length: torchShape.reduce((a, b) => a * b, 1) }, (_, i) => i);
      const tfjsShape = toTfjsShape(torchShape, c);
      expect(toPytorchShape(tfjsShape, c)).toEqual(torchShape);
      expect(Array.from(toPytorchValues(toTfjsValues(values, torchShape, c), tfjsShape, c))).toEqual(Array.from(values));
    }
  });
});

describe('which conversion a parameter takes', () => {
  const f = { height: 2, width: 2, channels: 3 };

  it('by rank of the tfjs shape, the flattened input reordered only for a real map', () => {
    expect(parameterConversion([3, 3, 8, 16])).toEqual(conv);
    expect(parameterConversion([12, 5])).toEqual(linear);
    expect(parameterConversion([12, 5], f)).toEqual({ kind: 'linear-chw', flattened: f });
    expect(parameterConversion([3, 5], { height: 1, width: 1, channels: 3 })).toEqual(linear);
    expect(parameterConversion([16])).toEqual({ kind: 'as-is' });
  });

  it('when loading: by the file layout, taking a tensor already in tfjs layout as is', () => {
    expect(chooseConversion([16, 8, 3, 3], [3, 3, 8, 16], 'pytorch')).toEqual(conv);
    expect(chooseConversion([5, 12], [12, 5], 'pytorch', f)).toEqual({ kind: 'linear-chw', flattened: f });
    expect(chooseConversion([3, 3, 8, 16], [3, 3, 8, 16], 'pytorch')).toEqual({ kind: 'as-is' });
    expect(chooseConversion([16, 8, 3, 3], [3, 3, 8, 16], 'tfjs')).toEqual({ kind: 'as-is' });
    // A square weight is ambiguous: the file's layout decides.
    expect(chooseConversion([4, 4], [4, 4], 'pytorch')).toEqual(linear);
    expect(chooseConversion([4, 4], [4, 4], 'tfjs')).toEqual({ kind: 'as-is' });
  });
});

describe('bad input is a ShapeError naming the function', () => {
  it.each([
    [
      'a conv conversion of a rank-2 shape',
      () => toTfjsShape([4, 4], conv),
      /toTfjsShape: a 'conv' conversion needs a rank-4 shape, got \[4,4\]/,
    ],
    [
      'values that do not fill the shape',
      () => toTfjsValues(new Float32Array(5), [2, 3], linear),
      /toTfjsValues: shape \[2,3\] has 6 values, got 5/,
    ],
    [
      'a flattened input that is not the weight’s in-features',
      () => toPytorchValues(new Float32Array(10), [5, 2], chw),
      /toPytorchValues: flattened input 1x2x2 has 4 features, the weight 5/,
    ],
  ])('%s', (_name, fn, message) => {
    expect(fn).toThrow(ShapeError);
    expect(fn).toThrow(message);
  });
});
