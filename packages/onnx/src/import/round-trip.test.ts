import * as tf from '@tensorflow/tfjs-core';
import { logSoftmax, type Module, OptionError } from '@convkit/core';
import { Flatten, Linear, Sequential } from '@convkit/layers';
import { relativeDiff } from '@convkit/test-utils';
import { torchAvailable } from '@convkit/test-utils/node';
import { checkerAvailable, checkModel, runOnnx, toNchw } from '@convkit/test-utils/onnx';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../model-proto';
import { OnnxGraph } from '../onnx-graph';
import { decodeOnnxModel, type ExportOnnxOptions, exportOnnx, importOnnx, UnsupportedModuleError } from '../index';
import { torchExport } from './torch-fixture';

// exportOnnx of imported graphs, read back by onnx's checker and onnxruntime-node: as imported,
// and after fine-tuning (a new head, frozen or moving BatchNorm, un-shared initializers).

const INPUT = [2, 3, 64, 64];

/** SGD steps (lr 0.05) of cross-entropy on the trainable parameters, in training mode. */
function train(model: Module, x: tf.Tensor, labels: number[], steps = 1): void {
  model.train();
  const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), 4);
  for (let i = 0; i < steps; i++) {
    const { value, grads } = tf.variableGrads(
      () => tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logSoftmax(model.forward(x))), 1))) as tf.Scalar,
      model.trainableParameters(),
    );
    for (const v of model.trainableParameters()) tf.tidy(() => v.assign(tf.sub(v, tf.mul(grads[v.name] as tf.Tensor, 0.05))));
    tf.dispose([value, ...Object.values(grads)]);
  }
  oneHot.dispose();
  model.eval();
}

/** Exports, checks the file, and runs it on onnxruntime-node: its output must be convkit's `predict`. */
async function exportedLikeConvkit(
  model: Module,
  x: tf.Tensor,
  options: Partial<ExportOnnxOptions> = {},
): Promise<{ bytes: Uint8Array; ours: tf.Tensor }> {
  const ours = model.predict(x); // (also makes eval's cached BatchNorm folding, once)
  const before = tf.memory().numTensors;
  const bytes = await exportOnnx(model, { inputShape: INPUT, ...options });
  expect(tf.memory().numTensors).toBe(before);
  if (checkerAvailable()) checkModel(bytes);
  const fed = options.inputLayout === 'nhwc' ? x.clone() : toNchw(x);
  const theirs = await runOnnx(bytes, fed);
  expect(theirs.shape).toEqual(ours.shape);
  const diff = relativeDiff(theirs, ours);
  console.log(`${model.typeName} exported: onnxruntime vs convkit ${diff.toExponential(2)} of max |output|`);
  expect(diff).toBeLessThan(1e-5);
  tf.dispose([theirs, fed]);
  return { bytes, ours };
}

const initializer = (bytes: Uint8Array, name: string) => decodeOnnxModel(bytes).initializers.get(name)?.values as Float32Array;

describe.runIf(torchAvailable())('exportOnnx(importOnnx(resnet18))', () => {
  // (rawInit: torch de-duplicates equal initializers behind Identity nodes; they are written apart.)
  it.each([
    [false, false],
    [true, false],
    [true, true],
  ])('runs on onnxruntime as the original does (preserve=%s, rawInit=%s)', async (preserve, rawInit) => {
    const ref = torchExport('resnet18', { opset: 13, preserve, rawInit });
    const model = await importOnnx(ref.bytes);
    const x = toNchw(ref.tensors.input as tf.Tensor);
    try {
      const bytes = await exportOnnx(model, { inputShape: INPUT });
      if (checkerAvailable()) checkModel(bytes);
      const [original, again] = [decodeOnnxModel(ref.bytes), decodeOnnxModel(bytes)];
      expect(again.opset).toBe(13);
      const ops = (m: typeof original) => m.nodes.map((n) => n.opType).filter((op) => op !== 'Identity');
      expect(ops(again)).toEqual(ops(original));
      expect(again.nodes.some((n) => n.opType === 'Identity')).toBe(false);
      // One initializer per weight use, named by its state-dict key.
      expect([...again.initializers.keys()].sort()).toEqual(
        Object.keys(model.stateDict())
          .filter((k) => !k.endsWith('num_batches_tracked'))
          .sort(),
      );
      const [theirs, ours] = [await runOnnx(ref.bytes, x), await runOnnx(bytes, x)];
      const diff = relativeDiff(ours, theirs);
      console.log(`resnet18 round trip (preserve=${preserve}, rawInit=${rawInit}): ${diff.toExponential(2)} of max |logit|`);
      expect(diff).toBeLessThan(1e-5);
      tf.dispose([theirs, ours]);
    } finally {
      tf.dispose(x);
      model.dispose();
      ref.dispose();
    }
  });

  it('a fine-tuned backbone with a new head (frozen, then not) exports with the tuned outputs and statistics', async () => {
    const ref = torchExport('resnet18', { opset: 13, preserve: true });
    const x = ref.tensors.input as tf.Tensor;
    for (const frozen of [true, false]) {
      const backbone = await importOnnx(ref.bytes, { outputs: ['/Flatten_output_0'] });
      const model = new Sequential(backbone, new Linear(512, 4, { generator: 7 }));
      if (frozen) model.freeze('0');
      try {
        const start = model.predict(x);
        const mean = backbone.stateDict()['bn1.running_mean']?.dataSync().slice() as Float32Array;
        train(model, x, [1, 3]);
        const { bytes, ours } = await exportedLikeConvkit(model, x);
        expect(relativeDiff(ours, start), 'training changed the outputs').toBeGreaterThan(1e-3);
        const moved = backbone.stateDict()['bn1.running_mean']?.dataSync() as Float32Array;
        // A frozen BatchNorm keeps its statistics; a training one moves them, and the file carries the moved ones.
        expect(moved.some((v, i) => v !== mean[i])).toBe(!frozen);
        expect(initializer(bytes, '0.bn1.running_mean')).toEqual(moved);
        expect(decodeOnnxModel(bytes).opset).toBe(13);
        tf.dispose([start, ours]);
      } finally {
        model.dispose();
      }
    }
    ref.dispose();
  });
});

/** Input → Conv(w) → Relu → Conv(w) → … with one initializer `w` for both convs (2 channels, 5×5). */
function sharedWeightGraph(opset = 13, tail = true): Uint8Array {
  const g = new OnnxGraph(opset);
  const w = g.initializer(
    'w',
    Float32Array.from({ length: 36 }, (_, i) => Math.sin(i + 1)),
    [2, 2, 3, 3],
  );
  const conv = { pads: [1, 1, 1, 1] };
  const a = g.add('Relu', [g.add('Conv', ['input', w], conv, 'conv1')], {}, 'relu');
  let out = g.add('Conv', [a, w], conv, 'conv2');
  if (tail) out = g.add('Flatten', [g.add('GlobalAveragePool', [out], {}, 'pool')], { axis: 1 });
  g.renameOutput(out, 'output');
  const values = new Map([...g.initializers.values()].map((i) => [i.name, i.values as Float32Array]));
  const io = { name: 'shared', input: { name: 'input', dims: ['batch', 2, 5, 5] }, producerVersion: '0' };
  return encodeModel(g, values, { ...io, output: { name: 'output', dims: tail ? ['batch', 2] : ['batch', 2, 5, 5] } });
}

describe('exportOnnx of hand-built imported graphs', () => {
  const x = () => tf.randomNormal([2, 5, 5, 2], 0, 1, 'float32', 5);
  const shape = [2, 2, 5, 5];

  it('two convs that shared one initializer: train one, the other is written unchanged', async () => {
    const model = await importOnnx(sharedWeightGraph());
    const input = x();
    try {
      expect(Object.keys(model.stateDict())).toEqual(['conv1.weight', 'conv2.weight']);
      model.freeze('conv2');
      const head = new Sequential(model, new Linear(2, 4, { generator: 1 }));
      train(head, input, [0, 2]);
      const { bytes, ours } = await exportedLikeConvkit(head, input, { inputShape: shape });
      const original = decodeOnnxModel(sharedWeightGraph()).initializers.get('w')?.values as Float32Array;
      expect(initializer(bytes, '0.conv2.weight')).toEqual(original);
      expect(initializer(bytes, '0.conv1.weight').some((v, i) => Math.abs(v - (original[i] as number)) > 1e-4)).toBe(true);
      ours.dispose();
    } finally {
      input.dispose();
      model.dispose();
    }
  });

  it('a cut at a 4-D map joins convkit layers after it (NHWC flatten order) and a later opset', async () => {
    const backbone = await importOnnx(sharedWeightGraph(13, false));
    const model = new Sequential(backbone, new Flatten(), new Linear(50, 3, { generator: 2 }));
    const input = x();
    try {
      const { bytes, ours } = await exportedLikeConvkit(model, input, { inputShape: shape, opset: 17 });
      expect(decodeOnnxModel(bytes).opset).toBe(17);
      ours.dispose();
      // The imported graph alone, its 4-D output in the NHWC layout asked for.
      const alone = await exportedLikeConvkit(backbone, input, { inputShape: [2, 5, 5, 2], inputLayout: 'nhwc' });
      alone.ours.dispose();
    } finally {
      input.dispose();
      model.dispose();
    }
  });

  it('refuses an earlier opset, a graph below opset 13 and a graph of two outputs', async () => {
    const model = await importOnnx(sharedWeightGraph());
    const old = await importOnnx(sharedWeightGraph(11));
    const two = await importOnnx(sharedWeightGraph(), { outputs: ['/relu/Relu_output_0', 'output'] });
    try {
      await expect(exportOnnx(model, { inputShape: shape, opset: 12 })).rejects.toThrow(/13 or later/);
      await expect(exportOnnx(old, { inputShape: shape })).rejects.toThrow(OptionError);
      await expect(exportOnnx(two, { inputShape: shape })).rejects.toThrow(UnsupportedModuleError);
    } finally {
      for (const m of [model, old, two]) m.dispose();
    }
  });
});
