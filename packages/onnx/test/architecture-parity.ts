// The ONNX parity suite, shared by the test files that split listModels() between them (two
// files run in parallel workers; VGG's 130M-parameter exports are half of the time).
import * as tf from '@tensorflow/tfjs-core';
import { createModel, type ModelInfo } from '@convkit/models';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index';
import { heScaledConvs, inputDependence, relativeDiff } from '@convkit/test-utils';
import { checkerAvailable, checkModel, runOnnx, toNchw } from '@convkit/test-utils/onnx';

// Small inputs keep the big models fast; each still runs every stage (VGG and ResNet reach 1×1).
const sizeFor = (name: string) => (name.startsWith('googlenet') ? 64 : name.includes('tf_') ? 33 : 32); // odd: TensorFlow "SAME" pads unevenly

const mobileFamilies = ['mobilenet', 'mnasnet', 'shufflenet', 'squeezenet'];

/** The models of the mobile families (EfficientNetV2 included), split into a test file of their own. */
export const isMobile = (m: ModelInfo): boolean => mobileFamilies.includes(m.family) || m.name.startsWith('efficientnet_v2');

/**
 * Exports each named model (random weights, 16 classes) and checks it with onnx's checker and on
 * onnxruntime-node against convkit's own logits. `CONVKIT_ONNX_MODELS=a,b` narrows the run.
 */
export function describeOnnxParity(title: string, names: string[]): void {
  const only = process.env.CONVKIT_ONNX_MODELS?.split(',');
  describe(title, () => {
    it.each(only ? names.filter((n) => only.includes(n)) : names)(
      '%s',
      async (name) => {
        const size = sizeFor(name);
        const model = createModel(name, { seed: 0, numClasses: 16 });
        // Their default init fades the signal with depth (logits nearly input-independent): rescale the convs.
        if (name.startsWith('googlenet') || name.startsWith('shufflenet')) heScaledConvs(model);
        try {
          const before = tf.memory().numTensors;
          const bytes = await exportOnnx(model, { inputShape: [1, 3, size, size] });
          expect(tf.memory().numTensors).toBe(before);
          if (checkerAvailable()) checkModel(bytes);
          // Batch 3 through the dynamic batch dimension, and batch 1.
          const x = tf.randomNormal([3, size, size, 3], 0, 1, 'float32', 7);
          const ours = model.predict(x);
          expect(await inputDependence(ours), 'logits that change with the input').toBeGreaterThan(1e-2);
          const theirs = await runOnnx(bytes, toNchw(x));
          expect(theirs.shape).toEqual([3, 16]);
          expect(relativeDiff(theirs, ours)).toBeLessThan(1e-4);
          const one = await runOnnx(bytes, toNchw(tf.slice(x, [1], [1])));
          expect(relativeDiff(one, tf.slice(ours, [1], [1]))).toBeLessThan(1e-4);
          tf.dispose([x, ours, theirs, one]);
        } finally {
          model.dispose();
        }
      },
      600_000,
    );
  });
}
