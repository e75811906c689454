import * as tf from '@tensorflow/tfjs-core';
import { ConvkitError } from '@convkit/core';
import { relativeDiff } from '@convkit/test-utils';
import { describe, expect, it } from 'vitest';
import { OnnxGraph } from '../onnx-graph';
import { importOnnx, UnsupportedOnnxError } from '../index';
import { expectLikeOnnxRuntime, model, weight } from './graph-builder';

// Small hand-built graphs run on the importer and on onnxruntime-node (the reference), one per
// place where ONNX's NCHW semantics meet convkit's NHWC layout or an attribute changes the result.

describe('importOnnx: ops against onnxruntime-node', () => {
  it('a Flatten of a 2×2×C map feeding Gemm keeps ONNX C,H,W order', async () => {
    const bytes = model(
      (g, x) => {
        const c = g.add('Conv', [x, weight(g, 'conv.weight', [5, 3, 3, 3], 1)], { pads: [1, 1, 1, 1], strides: [2, 2] }, 'conv');
        const f = g.add('Flatten', [c], { axis: 1 }, 'flatten');
        return g.add('Gemm', [f, weight(g, 'fc.weight', [4, 20], 2), weight(g, 'fc.bias', [4], 3)], { transB: 1 }, 'fc');
      },
      ['batch', 3, 4, 4],
      ['batch', 4],
    );
    await expectLikeOnnxRuntime(bytes, [2, 3, 4, 4]);
    const m = await importOnnx(bytes);
    expect(Object.keys(m.stateDict())).toEqual(['conv.weight', 'fc.weight', 'fc.bias']);
    expect(m.stateDict()['conv.weight']?.shape).toEqual([3, 3, 3, 5]);
    expect(m.stateDict()['fc.weight']?.shape).toEqual([20, 4]);
    m.dispose();
  });

  it.each([
    ['asymmetric pads, dilation, groups, strides', { pads: [1, 0, 2, 1], dilations: [1, 2], group: 3, strides: [2, 1] }],
    ['auto_pad SAME_UPPER', { auto_pad: 'SAME_UPPER', strides: [2, 2] }],
    ['auto_pad SAME_LOWER', { auto_pad: 'SAME_LOWER', strides: [2, 2] }],
    ['auto_pad VALID', { auto_pad: 'VALID' }],
  ])('Conv: %s', async (_, attributes) => {
    const groups = (attributes as { group?: number }).group ?? 1;
    const bytes = model(
      (g, x) => g.add('Conv', [x, weight(g, 'w', [6, 3 / groups, 3, 3], 4), weight(g, 'b', [6], 5)], attributes),
      ['batch', 3, 6, 5],
      ['batch', 6, 'h', 'w'],
    );
    await expectLikeOnnxRuntime(bytes, [2, 3, 6, 5]);
  });

  it.each([
    ['MaxPool ceil_mode with pads', 'MaxPool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }],
    ['MaxPool asymmetric pads', 'MaxPool', { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 1, 1, 0] }],
    ['AveragePool count_include_pad', 'AveragePool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }],
    ['AveragePool excluding pads, ceil mode', 'AveragePool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }],
  ])('%s', async (_, op, attributes) => {
    const bytes = model((g, x) => g.add(op, [x], attributes), ['batch', 3, 6, 7], ['batch', 3, 'h', 'w']);
    await expectLikeOnnxRuntime(bytes, [2, 3, 6, 7]);
  });

  it('activations, Clip from inputs, broadcasting against [C,1,1], Pad, Concat on channels', async () => {
    const bytes = model(
      (g, x) => {
        const clip = g.add('Clip', [x, g.constant('lo', [-0.5]), g.constant('hi', [0.7])]);
        const hs = g.add('HardSigmoid', [x], { alpha: { float: 0.3 }, beta: { float: 0.4 } });
        const scaled = g.add('Mul', [hs, weight(g, 'scale', [3, 1, 1], 6)]);
        const sub = g.add('Sub', [g.add('Erf', [scaled]), g.add('Sigmoid', [clip])]);
        const div = g.add('Div', [sub, g.constant('two', [2])]);
        const padded = g.add('Pad', [div, g.int64Constant('pads', [0, 0, 1, 2, 0, 0, 2, 1]), g.constant('fill', [0.5])], {
          mode: 'constant',
        });
        const relu = g.add('Relu', [g.add('Add', [padded, g.constant('shift', [-0.2])])]);
        return g.add('Concat', [relu, g.add('HardSwish', [padded])], { axis: 1 });
      },
      ['batch', 3, 4, 5],
      ['batch', 6, 7, 8],
      14,
    );
    await expectLikeOnnxRuntime(bytes, [2, 3, 4, 5]);
  });

  it('Transpose, Reshape, ReduceMean (keepdims 0 over C and over H,W), MatMul, Softmax', async () => {
    const bytes = model(
      (g, x) => {
        const channelMean = g.add('ReduceMean', [x], { axes: [1], keepdims: 0 }); // [N,H,W]
        const t = g.add('Transpose', [x], { perm: [0, 2, 3, 1] }); // [N,H,W,C]
        const mm = g.add('MatMul', [t, weight(g, 'proj', [3, 4], 7)]); // [N,H,W,4]
        const r = g.add('Reshape', [mm, g.int64Constant('shape', [0, -1])]);
        const pooled = g.add('ReduceMean', [x], { axes: [2, 3], keepdims: 0 }); // [N,C]
        const flat = g.add('Reshape', [channelMean, g.int64Constant('shape2', [0, -1])]);
        return g.add('Softmax', [g.add('Concat', [r, flat, pooled], { axis: 1 })], { axis: -1 });
      },
      ['batch', 3, 4, 5],
      ['batch', 103],
    );
    await expectLikeOnnxRuntime(bytes, [2, 3, 4, 5]);
  });

  it('GlobalAveragePool, Flatten, Gemm with alpha, beta and transA', async () => {
    const bytes = model(
      (g, x) => {
        const f = g.add('Flatten', [g.add('GlobalAveragePool', [x])], { axis: 1 });
        const t = g.add('Transpose', [f], { perm: [1, 0] });
        return g.add('Gemm', [t, weight(g, 'w', [3, 4], 8), weight(g, 'c', [4], 9)], {
          transA: 1,
          alpha: { float: 0.5 },
          beta: { float: 2 },
        });
      },
      ['batch', 3, 4, 5],
      ['batch', 4],
    );
    await expectLikeOnnxRuntime(bytes, [2, 3, 4, 5]);
  });
});

describe('importOnnx: train and eval', () => {
  it('Dropout is inverted dropout in training and the identity in eval', async () => {
    const bytes = model((g, x) => g.add('Dropout', [x, g.constant('ratio', [0.25])]), ['batch', 3, 20, 20], ['batch', 3, 20, 20]);
    const m = await importOnnx(bytes);
    const x = tf.ones([4, 20, 20, 3]);
    const evaluated = m.predict(x);
    expect(relativeDiff(evaluated, x)).toBe(0);
    m.train();
    const trained = m.forward(x);
    const values = Array.from(trained.dataSync());
    const zeros = values.filter((v) => v === 0).length / values.length;
    expect(zeros).toBeGreaterThan(0.2);
    expect(zeros).toBeLessThan(0.3);
    expect(values.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    tf.dispose([x, evaluated, trained]);
    m.dispose();
  });
});

describe('importOnnx: Conv + activation fusion', () => {
  // An Identity between them stops the fusion: the same graph then runs as separate ops.
  const convAct = (act: (g: OnnxGraph, y: string) => string, fused: boolean) =>
    model(
      (g, x) => {
        const c = g.add(
          'Conv',
          [x, weight(g, 'conv.weight', [4, 3, 3, 3], 11), weight(g, 'conv.bias', [4], 12)],
          { pads: [1, 1, 1, 1] },
          'conv',
        );
        return act(g, fused ? c : g.add('Identity', [c]));
      },
      ['batch', 3, 5, 5],
      ['batch', 4, 5, 5],
    );

  it.each([
    ['Relu', (g: OnnxGraph, y: string) => g.add('Relu', [y])],
    ['Clip(0, 6)', (g: OnnxGraph, y: string) => g.add('Clip', [y, g.constant('lo', [0]), g.constant('hi', [6])])],
    ['Sigmoid', (g: OnnxGraph, y: string) => g.add('Sigmoid', [y])],
  ])('Conv + %s: fused output and gradients equal the separate ops', async (_, act) => {
    const [fused, separate] = await Promise.all([importOnnx(convAct(act, true)), importOnnx(convAct(act, false))]);
    const x = tf.mul(tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 5), 4);
    const run = (m: typeof fused) =>
      tf.variableGrads(() => tf.sum(tf.mul(m.forward(x), tf.linspace(-1, 1, 4))) as tf.Scalar, m.parameters());
    const [a, b] = [run(fused), run(separate)];
    expect(a.value.dataSync()[0]).toBeCloseTo(b.value.dataSync()[0], 4);
    for (const [i, v] of fused.parameters().entries()) {
      const other = separate.parameters()[i] as tf.Variable;
      expect(relativeDiff(a.grads[v.name] as tf.Tensor, b.grads[other.name] as tf.Tensor)).toBeLessThan(1e-5);
    }
    await expectLikeOnnxRuntime(convAct(act, true), [2, 3, 5, 5]);
    tf.dispose([x, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    fused.dispose();
    separate.dispose();
  });
});

describe('importOnnx: typed errors', () => {
  it('an unsupported op names the node and the op', async () => {
    const bytes = model((g, x) => g.add('Hardmax', [x], {}, 'head.act'), ['batch', 3, 4, 4], ['batch', 3, 4, 4]);
    const error = await importOnnx(bytes).catch((e) => e);
    expect(error).toBeInstanceOf(UnsupportedOnnxError);
    expect(error.node).toBe('/head/act/Hardmax');
    expect(error.opType).toBe('Hardmax');
  });

  it.each([
    ['Conv', { auto_pad: 'SAME_SIDEWAYS' }, 'auto_pad'],
    ['Conv', { kernel_shape: [3, 3], foo: 1 }, 'foo'],
    ['MaxPool', { kernel_shape: [2, 2], storage_order: 1 }, 'storage_order'],
    ['MaxPool', { kernel_shape: [2, 2, 2] }, 'kernel_shape'],
    ['Conv', { pads: [1, 1, 1] }, 'pads'],
  ])('%s with %j names the attribute', async (op, attributes, attribute) => {
    const bytes = model(
      (g, x) => g.add(op, op === 'Conv' ? [x, weight(g, 'w', [2, 3, 3, 3], 1)] : [x], attributes, 'layer'),
      ['batch', 3, 6, 6],
      ['batch', 2, 'h', 'w'],
    );
    const m = await importOnnx(bytes);
    const x = tf.zeros([1, 6, 6, 3]);
    const before = tf.memory().numTensors;
    const error = (() => {
      try {
        m.predict(x);
      } catch (e) {
        return e;
      }
    })() as UnsupportedOnnxError;
    expect(tf.memory().numTensors).toBe(before);
    expect(error).toBeInstanceOf(UnsupportedOnnxError);
    expect(error.attribute).toBe(attribute);
    expect(error.node).toBe(`/layer/${op}`);
    x.dispose();
    m.dispose();
  });

  it('refuses bytes that are not ONNX, opsets out of range and inputs of the wrong shape', async () => {
    await expect(importOnnx(new Uint8Array([0xff, 0xff, 0xff, 0x0f]))).rejects.toBeInstanceOf(ConvkitError);
    const old = model((g, x) => g.add('Relu', [x]), ['batch', 3, 4, 4], ['batch', 3, 4, 4], 6);
    await expect(importOnnx(old)).rejects.toThrow(/opset 6/);
    const m = await importOnnx(model((g, x) => g.add('Relu', [x]), ['batch', 3, 4, 4], ['batch', 3, 4, 4]));
    const x = tf.zeros([1, 4, 5, 3]);
    expect(() => m.predict(x)).toThrow(/expected shape \[batch,3,4,4\]/);
    tf.dispose(x);
    m.dispose();
  });
});
