import * as tf from '@tensorflow/tfjs-core';
import { Hardsigmoid, Hardswish, MaxPool2d, Sequential } from '@convkit/layers';
import { smallCnn } from '@convkit/models';
import protobuf from 'protobufjs/light.js';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './index';
import schema from './onnx-schema.json';
import { relativeDiff } from '@convkit/test-utils';
import { checkerAvailable, checkModel, runOnnx, toNchw } from '@convkit/test-utils/onnx';

describe('exportOnnx: small CNN', () => {
  it('matches convkit at batch 1 and 3', async () => {
    const model = smallCnn({ seed: 1 });
    const before = tf.memory().numTensors;
    const bytes = await exportOnnx(model, { inputShape: [1, 1, 28, 28] });
    expect(tf.memory().numTensors).toBe(before);
    if (checkerAvailable()) checkModel(bytes);
    for (const n of [1, 3]) {
      const x = tf.randomNormal([n, 28, 28, 1], 0, 1, 'float32', n);
      const ours = model.predict(x);
      const theirs = await runOnnx(bytes, toNchw(x));
      expect(theirs.shape).toEqual([n, 10]);
      expect(relativeDiff(theirs, ours)).toBeLessThan(1e-4);
    }
  });
});

/** The nodes of an exported file, read back with ONNX's own schema. */
function nodesOf(bytes: Uint8Array): { opType: string; attribute: { name: string; f?: number; ints?: number[] }[] }[] {
  const type = protobuf.Root.fromJSON(schema as protobuf.INamespace).lookupType('onnx.ModelProto');
  const model = type.toObject(type.decode(bytes), { longs: Number }) as {
    graph: { node: { opType: string; attribute?: { name: string; f?: number; ints?: number[] }[] }[] };
  };
  return model.graph.node.map((n) => ({ opType: n.opType, attribute: n.attribute ?? [] }));
}

// Inputs from -6 to 6, across the clip points ±3, as [N, H, W, C].
const ramp = () => tf.reshape(tf.linspace(-6, 6, 2 * 5 * 7 * 3), [2, 5, 7, 3]);

async function sameOnRuntime(model: Sequential, x: tf.Tensor, inputShape: number[], opset?: number): Promise<Uint8Array> {
  const bytes = await exportOnnx(model, { inputShape, opset });
  if (checkerAvailable()) checkModel(bytes);
  const ours = toNchw(model.predict(x));
  const theirs = await runOnnx(bytes, toNchw(x));
  expect(theirs.shape).toEqual(ours.shape);
  expect(relativeDiff(theirs, ours)).toBeLessThan(1e-6);
  tf.dispose([ours, theirs]);
  return bytes;
}

describe('exportOnnx: the layers of MobileNetV3 and SqueezeNet', () => {
  it("Hardsigmoid (PyTorch's relu6(x + 3) / 6) is HardSigmoid with alpha 1/6 and beta 0.5", async () => {
    const x = ramp();
    const bytes = await sameOnRuntime(new Sequential(new Hardsigmoid()), x, [2, 3, 5, 7]);
    const [node] = nodesOf(bytes);
    expect(node.opType).toBe('HardSigmoid');
    const attr = Object.fromEntries(node.attribute.map((a) => [a.name, a.f]));
    expect(attr.alpha).toBeCloseTo(1 / 6, 7);
    expect(attr.beta).toBe(0.5);
    x.dispose();
  });

  it('Hardswish is HardSwish from opset 14 and x · HardSigmoid(1/6, 0.5) at opset 13', async () => {
    const x = ramp();
    const model = new Sequential(new Hardswish());
    expect(nodesOf(await sameOnRuntime(model, x, [2, 3, 5, 7])).map((n) => n.opType)).toEqual(['HardSwish']);
    const at13 = nodesOf(await sameOnRuntime(model, x, [2, 3, 5, 7], 13));
    expect(at13.map((n) => n.opType)).toEqual(['HardSigmoid', 'Mul']);
    expect(Object.fromEntries(at13[0].attribute.map((a) => [a.name, a.f]))).toMatchObject({ beta: 0.5 });
    x.dispose();
  });

  it('ceil-mode max pooling: an extra window over the edge, and none that would start in the padding (PyTorch)', async () => {
    const x = tf.randomNormal([2, 6, 5, 3], 0, 1, 'float32', 1);
    // SqueezeNet's 3×3/2 pool: 6 → 3 (the last window hangs over the edge), 5 → 2.
    await sameOnRuntime(new Sequential(new MaxPool2d({ kernelSize: 3, stride: 2, ceilMode: true })), x, [2, 3, 6, 5]);
    // 2×2/2 with padding 1 on 5: ceil gives 4 windows, but the 4th would start in the padding, so 3.
    const padded = new Sequential(new MaxPool2d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true }));
    const y = padded.predict(x);
    expect(y.shape).toEqual([2, 4, 3, 3]);
    await sameOnRuntime(padded, x, [2, 3, 6, 5]);
    tf.dispose([x, y]);
  });
});
