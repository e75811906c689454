import * as tf from '@tensorflow/tfjs-core';
import { relativeDiff } from '@convkit/test-utils';
import { runOnnx } from '@convkit/test-utils/onnx';
import { describe, expect, it } from 'vitest';
import { OnnxGraph } from '../onnx-graph';
import { importOnnx, UnsupportedOnnxError } from '../index';
import { model as buildModel } from './graph-builder';

// LayerNormalization (opset 17) and the layout-free Transpose pairs of ConvNeXt, on hand-built
// graphs against onnxruntime-node.

const seeded = (dims: number[], seed: number, mean = 0) =>
  tf.tidy(() => tf.randomNormal([dims.reduce((a, b) => a * b, 1)], mean, 1, 'float32', seed).dataSync() as Float32Array);

const model = (build: (g: OnnxGraph, x: string) => string, input: (number | string)[], output: (number | string)[]) =>
  buildModel(build, input, output, 17);

/** Conv (3 → 4 channels, 5×6 map) then LayerNormalization at `axis` with Scale/B of `affine` shape. */
function convLayerNorm(axis: number, affine: number[], attributes: Record<string, number> = {}): Uint8Array {
  return model(
    (g, x) => {
      const c = g.add('Conv', [x, g.initializer('conv.weight', seeded([4, 3, 3, 3], 1), [4, 3, 3, 3])], { pads: [1, 1, 1, 1] }, 'conv');
      const scale = g.initializer('norm.weight', seeded(affine, 2, 1), affine);
      const bias = g.initializer('norm.bias', seeded(affine, 3), affine);
      return g.add('LayerNormalization', [c, scale, bias], { axis, epsilon: { float: 1e-3 }, ...attributes }, 'norm');
    },
    [2, 3, 5, 6],
    [2, 4, 5, 6],
  );
}

const input = () => tf.randomNormal([2, 3, 5, 6], 0, 1, 'float32', 7);

/** `run` (the graph's own layout: the Conv turns its input NHWC) against onnxruntime. */
async function vsOnnxRuntime(bytes: Uint8Array): Promise<number> {
  const m = await importOnnx(bytes);
  const x = input();
  const ours = m.run({ input: x }).output as tf.Tensor;
  const theirs = await runOnnx(bytes, x);
  const diff = relativeDiff(ours, theirs);
  tf.dispose([x, ours, theirs]);
  m.dispose();
  return diff;
}

describe('LayerNormalization', () => {
  // axis 1 normalizes C, H and W (the NHWC map stays NHWC); 2 and -1 are ONNX's trailing H,W and W.
  it.each([
    [1, [4, 5, 6]],
    [1, [4, 1, 1]],
    [2, [5, 6]],
    [-1, [6]],
    [0, [2, 4, 5, 6]],
  ])('axis %i with Scale/B %j on an NHWC map matches onnxruntime', async (axis, affine) => {
    expect(await vsOnnxRuntime(convLayerNorm(axis, affine))).toBeLessThan(1e-5);
  });

  it('gradients reach Scale and B: dL/dB = Σ r, dL/dScale = Σ r·x̂ for L = Σ y·r (x̂ from onnxruntime)', async () => {
    const bytes = convLayerNorm(-1, [6]);
    const m = await importOnnx(bytes);
    const x = input();
    const r = tf.randomNormal([2, 4, 5, 6], 0, 1, 'float32', 9);
    try {
      expect(Object.keys(m.stateDict())).toEqual(['conv.weight', 'norm.weight', 'norm.bias']);
      const before = tf.memory().numTensors;
      m.train();
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(m.run({ input: x }).output as tf.Tensor, r)) as tf.Scalar);
      const keyOf = new Map(m.namedParameters().map(([k, v]) => [v.name, k]));
      const byKey = Object.fromEntries(Object.entries(grads).map(([n, g]) => [keyOf.get(n), g]));
      // y = x̂·Scale + B over W: with Scale and B known, x̂ = (y − B) / Scale from onnxruntime's y.
      const y = await runOnnx(bytes, x);
      const state = m.stateDict();
      const [expectedB, expectedScale] = tf.tidy(() => [
        tf.sum(r, [0, 1, 2]),
        tf.sum(tf.mul(r, tf.div(tf.sub(y, state['norm.bias'] as tf.Tensor), state['norm.weight'] as tf.Tensor)), [0, 1, 2]),
      ]);
      expect(relativeDiff(byKey['norm.bias'] as tf.Tensor, expectedB)).toBeLessThan(1e-5);
      expect(relativeDiff(byKey['norm.weight'] as tf.Tensor, expectedScale)).toBeLessThan(1e-5);
      expect(tf.tidy(() => tf.max(tf.abs(byKey['conv.weight'] as tf.Tensor)).dataSync()[0])).toBeGreaterThan(0);
      tf.dispose([value, ...Object.values(grads), y, expectedB, expectedScale]);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      tf.dispose([x, r]);
      m.dispose();
    }
  });

  it.each([
    [{ stash_type: 0 }, 2, 'stash_type'],
    [{}, 4, 'axis'],
  ])('refuses %j (axis %i) with an UnsupportedOnnxError naming the attribute', async (attributes, axis, attribute) => {
    const error = await importOnnx(convLayerNorm(axis, [6], attributes))
      .then((m) => {
        const x = input();
        try {
          return tf.dispose(m.run({ input: x }));
        } finally {
          x.dispose();
          m.dispose();
        }
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedOnnxError);
    expect(String(error)).toContain(attribute);
    expect(String(error)).toContain('/norm/LayerNormalization');
  });
});

describe('Transpose', () => {
  /** Conv → Transpose(0,2,3,1) → MatMul → Transpose(`back`) → Conv: ConvNeXt's block shape. */
  const permuted = (back: number[], output: number[]) =>
    model(
      (g, x) => {
        const c = g.add('Conv', [x, g.initializer('a.weight', seeded([4, 3, 3, 3], 1), [4, 3, 3, 3])], { pads: [1, 1, 1, 1] }, 'a');
        const t = g.add('Transpose', [c], { perm: [0, 2, 3, 1] }, 't');
        const mm = g.add('MatMul', [t, g.initializer('onnx::MatMul_1', seeded([4, 4], 2), [4, 4])], {}, 'fc');
        const b = g.add('Transpose', [mm], { perm: back }, 'back');
        return back.join() === '0,3,1,2'
          ? g.add('Conv', [b, g.initializer('b.weight', seeded([2, 4, 1, 1], 3), [2, 4, 1, 1])], {}, 'b')
          : b;
      },
      [2, 3, 5, 6],
      output,
    );

  it('NCHW → NHWC and back move no data (no Transpose kernel runs) and match onnxruntime', async () => {
    const bytes = permuted([0, 3, 1, 2], [2, 2, 5, 6]);
    expect(await vsOnnxRuntime(bytes)).toBeLessThan(1e-5);
    const m = await importOnnx(bytes);
    expect(Object.keys(m.stateDict())).toEqual(['a.weight', 'fc.weight', 'b.weight']);
    const x = tf.randomNormal([2, 5, 6, 3], 0, 1, 'float32', 7);
    const profile = await tf.profile(() => m.predict(x));
    expect(profile.kernelNames).toContain('BatchMatMul');
    expect(profile.kernelNames.filter((k) => k === 'Transpose')).toEqual([]);
    tf.dispose([x, profile.result as tf.Tensor]);
    m.dispose();
  });

  it('other permutations of an NHWC map keep ONNX semantics', async () => {
    expect(await vsOnnxRuntime(permuted([0, 2, 1, 3], [2, 6, 5, 4]))).toBeLessThan(1e-5);
    expect(await vsOnnxRuntime(permuted([3, 0, 2, 1], [4, 2, 6, 5]))).toBeLessThan(1e-5);
  });
});
