import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { relativeDiff } from '@convkit/test-utils';
import { torchAvailable } from '@convkit/test-utils/node';
import { runOnnx, toNchw } from '@convkit/test-utils/onnx';
import { describe, expect, it, vi } from 'vitest';
import type { AttributeValue, OnnxGraph } from '../onnx-graph';
import { importOnnx, UnsupportedOnnxError } from '../index';
import { addMulti, expectLikeOnnxRuntime, model, weight } from './graph-builder';
import { torchExport } from './torch-fixture';

// Shape ops and shape subgraphs against onnxruntime-node, then ShuffleNetV2 (the torchvision CNN
// whose export computes Reshape targets and Slice bounds from shapes) against PyTorch and onnxruntime.

const END = Number.MAX_SAFE_INTEGER; // "to the end" (beyond int32: clamped)
const START = -(2 ** 63); // INT64_MIN: "from the start" with a negative step
const conv = (g: OnnxGraph, x: string, out = 6) =>
  g.add('Conv', [x, weight(g, 'conv.weight', [out, 3, 3, 3], 1), weight(g, 'conv.bias', [out], 2)], { pads: [1, 1, 1, 1] }, 'conv');
const ints = (g: OnnxGraph, values: number[]) => g.int64Constant('k', values);
const scalar = (g: OnnxGraph, v: number) => g.int64Constant('s', [v], []);

describe('importOnnx: shape ops against onnxruntime-node', () => {
  it('Slice, Split and Gather on channels of a conv map (NHWC inside), negative axes and steps, clamped bounds', async () => {
    const bytes = model(
      (g, x) => {
        const c = conv(g, x);
        const odd = g.add('Slice', [c, ints(g, [1]), ints(g, [END]), ints(g, [-3]), ints(g, [2])]); // channels 1, 3, 5
        const [a, b, d] = addMulti(g, 'Split', [c, ints(g, [2, 1, 3])], 3, { axis: -3 });
        const picked = g.add('Gather', [c, ints(g, [4, 0, -1])], { axis: 1 });
        const parts = g.add('Concat', [odd, d as string, a as string, b as string, picked], { axis: 1 }); // 12 channels
        const flipped = g.add('Slice', [parts, ints(g, [-1, 0]), ints(g, [START, END]), ints(g, [2, -1]), ints(g, [-1, 2])]);
        return g.add('Slice', [flipped, ints(g, [-100]), ints(g, [-2]), ints(g, [1])]); // channels 0..9
      },
      ['batch', 3, 5, 6],
      ['batch', 10, 5, 3],
    );
    await expectLikeOnnxRuntime(bytes, [2, 3, 5, 6]);
  });

  it('Gather of one row (rank 3), Unsqueeze / Squeeze by input (opset 13), Cast truncating to int and back', async () => {
    const bytes = model(
      (g, x) => {
        const row = g.add('Gather', [conv(g, x), scalar(g, -2)], { axis: 2 }); // [N,C,W]
        const up = g.add('Unsqueeze', [row, ints(g, [-2, 0])]); // [1,N,C,1,W]
        const down = g.add('Squeeze', [up, ints(g, [0])]); // [N,C,1,W]
        const truncated = g.add('Cast', [g.add('Mul', [down, g.constant('three', [3])])], { to: 7 });
        return g.add('Cast', [truncated], { to: 1 });
      },
      ['batch', 3, 4, 5],
      ['batch', 6, 1, 5],
    );
    await expectLikeOnnxRuntime(bytes, [2, 3, 4, 5]);
  });

  it('opset 9/11 forms: Slice (9), Unsqueeze, Squeeze and Split by attributes', async () => {
    for (const opset of [9, 11]) {
      const bytes = model(
        (g, x) => {
          const c = conv(g, x);
          const s = // [N,4,H,3]
            opset < 10
              ? g.add('Slice', [c], { starts: [1, -3], ends: [5, END], axes: [1, 3] })
              : g.add('Slice', [c, ints(g, [1, -3]), ints(g, [5, END]), ints(g, [1, 3])]);
          const [a, b] = addMulti(g, 'Split', [s], 2, { axis: 1, split: [3, 1] });
          const pooled = g.add('Squeeze', [g.add('GlobalAveragePool', [a as string])], { axes: [2, 3] }); // [N,3]
          const back = g.add('Unsqueeze', [pooled], { axes: [2, 3] });
          return g.add('Concat', [g.add('Add', [a as string, back]), b as string], { axis: 1 });
        },
        ['batch', 3, 4, 5],
        ['batch', 4, 4, 3],
        opset,
      );
      await expectLikeOnnxRuntime(bytes, [2, 3, 4, 5]);
    }
  });

  it('a shape subgraph (Shape with start/end, Gather, Unsqueeze, Concat, Div) feeds Reshape, Expand and ConstantOfShape', async () => {
    const bytes = model(
      (g, x) => {
        const c = conv(g, x);
        const batch = g.add('Unsqueeze', [g.add('Gather', [g.add('Shape', [c]), scalar(g, 0)]), ints(g, [0])]);
        const hw = g.add('Shape', [c], { start: -2 }); // [H, W]
        const half = g.add('Div', [g.add('Shape', [c], { start: 1, end: 2 }), ints(g, [2])]); // [C/2]
        const target = g.add('Concat', [batch, ints(g, [2]), half, hw], { axis: 0 }); // [N,2,C/2,H,W]
        const grouped = g.add('Reshape', [c, target]);
        const swapped = g.add('Transpose', [grouped], { perm: [0, 2, 1, 3, 4] });
        const shuffled = g.add('Reshape', [swapped, g.add('Concat', [batch, ints(g, [-1]), hw], { axis: 0 })]);
        const bias = g.add('Expand', [weight(g, 'bias', [1, 6, 1, 1], 3), g.add('Shape', [c])]);
        const fillValue: AttributeValue = { tensor: { dims: [1], dataType: 'float32', values: [0.5] } };
        const fill = g.add('ConstantOfShape', [g.add('Shape', [c])], { value: fillValue });
        return g.add('Mul', [g.add('Add', [shuffled, bias]), g.add('Add', [fill, c])]);
      },
      ['batch', 3, 4, 5],
      ['batch', 6, 4, 5],
      15,
    );
    await expectLikeOnnxRuntime(bytes, [2, 3, 4, 5]);
    await expectLikeOnnxRuntime(bytes, [3, 3, 4, 5]);
  });

  it.each([
    [
      'nearest, asymmetric + floor (torch Upsample)',
      { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    ],
    ['nearest, half_pixel + round_prefer_floor', { mode: 'nearest' }],
    ['linear, half_pixel', { mode: 'linear' }],
    ['linear, pytorch_half_pixel', { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }],
    ['linear, align_corners', { mode: 'linear', coordinate_transformation_mode: 'align_corners' }],
  ])('Resize ×2 (×3 in W) of a conv map: %s', async (_, attributes) => {
    const bytes = model(
      (g, x) => g.add('Resize', [conv(g, x), '', g.constant('scales', [1, 1, 2, 3], [4])], attributes),
      ['batch', 3, 4, 5],
      ['batch', 6, 8, 15],
    );
    await expectLikeOnnxRuntime(bytes, [2, 3, 4, 5]);
  });

  it('Resize to sizes computed from the input shape', async () => {
    const bytes = model(
      (g, x) => {
        const c = conv(g, x);
        const sizes = g.add('Mul', [g.add('Shape', [c]), ints(g, [1, 1, 2, 2])]);
        return g.add('Resize', [c, '', '', sizes], { mode: 'linear' });
      },
      ['batch', 3, 4, 5],
      ['batch', 6, 8, 10],
    );
    await expectLikeOnnxRuntime(bytes, [2, 3, 4, 5]);
  });
});

describe('importOnnx: shape ops refuse what they cannot do exactly', () => {
  const failure = async (op: string, inputs: (g: OnnxGraph, x: string) => string[], attributes: Record<string, AttributeValue>) => {
    const m = await importOnnx(model((g, x) => g.add(op, inputs(g, x), attributes, 'layer'), ['batch', 3, 4, 4], ['batch', 3, 8, 8]));
    const x = tf.zeros([2, 4, 4, 3]);
    const before = tf.memory().numTensors;
    const error = (() => {
      try {
        m.predict(x);
      } catch (e) {
        return e;
      }
    })() as UnsupportedOnnxError;
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    m.dispose();
    expect(error).toBeInstanceOf(UnsupportedOnnxError);
    expect(error.node).toBe(`/layer/${op}`);
    return error;
  };
  const resizeBy = (scales: number[]) => (g: OnnxGraph, x: string) => [x, '', g.constant('scales', scales, [4])];

  it.each([
    [{ mode: 'cubic' }, [1, 1, 2, 2], 'mode'],
    [{ mode: 'nearest', coordinate_transformation_mode: 'asymmetric' }, [1, 1, 2, 2], 'nearest_mode'],
    [{ mode: 'nearest', coordinate_transformation_mode: 'align_corners' }, [1, 1, 2, 2], 'coordinate_transformation_mode'],
    [{ mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, [1, 1, 2, 2], 'coordinate_transformation_mode'],
    [{ mode: 'linear', exclude_outside: 1 }, [1, 1, 2, 2], 'exclude_outside'],
    [{ mode: 'nearest' }, [1, 1, 1.5, 2], 'scales'],
    [{ mode: 'nearest' }, [1, 2, 2, 2], 'scales'],
  ])('Resize %j at scales %j names %s', async (attributes, scales, attribute) => {
    const error = await failure('Resize', resizeBy(scales), attributes);
    expect(error.attribute).toBe(attribute);
  });

  it('Cast to a type tfjs cannot hold names `to`; a Reshape that baked the batch says so', async () => {
    expect((await failure('Cast', (_, x) => [x], { to: 11 })).message).toMatch(/cannot cast to double/);
    const error = await failure('Reshape', (g, x) => [x, ints(g, [1, 3, 4, 4])], {});
    expect(error.message).toMatch(/cannot reshape \[2,3,4,4\] to \[1,3,4,4\]: the batch size 1 was baked into the export/);
  });

  it('an unsupported op lists the supported ones, shape ops included', async () => {
    const error = await importOnnx(model((g, x) => g.add('NonZero', [x]), ['batch', 3, 4, 4], ['n'])).catch((e) => e);
    expect(error).toBeInstanceOf(UnsupportedOnnxError);
    for (const op of ['Cast', 'ConstantOfShape', 'Expand', 'Gather', 'Resize', 'Shape', 'Slice', 'Split', 'Squeeze', 'Unsqueeze'])
      expect(error.message).toContain(op);
  });
});

/** Counts the nodes a model runs by op since the last count (a spy on its private per-node step). */
function countingNodes(m: Awaited<ReturnType<typeof importOnnx>>) {
  const inner = m as unknown as { runNode(index: number): unknown; graph: { nodes: { opType: string }[] } };
  const spy = vi.spyOn(inner, 'runNode');
  return () => {
    const counts: Record<string, number> = {};
    for (const [i] of spy.mock.calls) {
      const op = inner.graph.nodes[i]?.opType as string;
      counts[op] = (counts[op] ?? 0) + 1;
    }
    spy.mockClear();
    return counts;
  };
}

describe.runIf(torchAvailable())('importOnnx on ShuffleNetV2 (shape subgraphs)', () => {
  it.each([
    [13, false],
    [17, false],
    [13, true],
    [17, true],
  ])(
    'shufflenet_v2_x0_5 opset %i preserve=%s, dynamic batch: batch 2 vs PyTorch and onnxruntime, batch 3 vs onnxruntime',
    async (opset, preserve) => {
      const ref = torchExport('shufflenet_v2_x0_5', { opset, preserve });
      const model = await importOnnx(ref.bytes);
      const x3 = tf.randomNormal([3, 64, 64, 3], 0, 1, 'float32', 7);
      try {
        const input = ref.tensors.input as tf.Tensor;
        const ran = countingNodes(model);
        tf.dispose(model.predict(input));
        const first = ran();
        expect(first.Shape).toBeGreaterThan(0);
        const before = tf.memory().numTensors;
        const ours = model.predict(input);
        expect(tf.memory().numTensors).toBe(before + 1);
        // The second call at the same shape runs no shape arithmetic: only the tensor ops.
        const second = ran();
        expect([second.Shape, second.Gather, second.Unsqueeze, second.Cast, second.Div]).toEqual([
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
        ]);
        expect(second.Reshape).toBe(first.Reshape);
        expect(second.Slice).toBe(first.Slice);
        const vsTorch = relativeDiff(ours, ref.tensors.logits as tf.Tensor);
        const nchw = [toNchw(input), toNchw(x3)];
        const vsOrt = relativeDiff(ours, await runOnnx(ref.bytes, nchw[0] as tf.Tensor));
        const ours3 = model.predict(x3);
        const theirs3 = await runOnnx(ref.bytes, nchw[1] as tf.Tensor);
        const vsOrt3 = relativeDiff(ours3, theirs3);
        console.log(
          `shufflenet_v2_x0_5 opset ${opset}${preserve ? ' preserve' : ''}: batch 2 vs PyTorch ${vsTorch.toExponential(2)}, vs onnxruntime ${vsOrt.toExponential(2)}; batch 3 vs onnxruntime ${vsOrt3.toExponential(2)}`,
        );
        expect(vsTorch).toBeLessThan(1e-4);
        expect(vsOrt).toBeLessThan(1e-4);
        expect(vsOrt3).toBeLessThan(1e-4);
        tf.dispose([ours, ours3, theirs3, ...nchw]);
      } finally {
        tf.dispose(x3);
        model.dispose();
        ref.dispose();
      }
    },
  );

  it('a static export (batch 2 baked in) runs at batch 2 and refuses batch 3 naming the Reshape', async () => {
    const ref = torchExport('shufflenet_v2_x0_5', { static: true });
    const model = await importOnnx(ref.bytes);
    const x3 = tf.zeros([3, 64, 64, 3]);
    try {
      const ours = model.predict(ref.tensors.input as tf.Tensor);
      const vsTorch = relativeDiff(ours, ref.tensors.logits as tf.Tensor);
      console.log(`shufflenet_v2_x0_5 static opset 13: batch 2 vs PyTorch ${vsTorch.toExponential(2)}`);
      expect(vsTorch).toBeLessThan(1e-4);
      ours.dispose();
      const before = tf.memory().numTensors;
      const error = (() => {
        try {
          model.predict(x3);
        } catch (e) {
          return e;
        }
      })() as OptionError;
      expect(tf.memory().numTensors).toBe(before);
      expect(error).toBeInstanceOf(OptionError);
      expect(error.message).toMatch(/got \[3,3,64,64\]: the batch size 2 was baked into the export \(node '\/stage2\/stage2.0\/Reshape'/);
    } finally {
      tf.dispose(x3);
      model.dispose();
      ref.dispose();
    }
  });
});
