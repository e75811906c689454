// convkit's ONNX export on onnxruntime-web's wasm provider, behind toOnnxRuntime: the same
// logits as convkit's own predict — in Node (cpu backend) and in Chromium (webgl, webgpu).
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@convkit/core';
import { createModel } from '@convkit/models';
import { type OrtModule, toOnnxRuntime } from '@convkit/onnx';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { heScaledConvs, inputDependence, relativeDiffAsync } from '@convkit/test-utils';
import { backendsUnderTest, useBackend } from './context';

// The sizes the Node suite runs toOnnxRuntime at: small, so SwiftShader compiles few shaders.
const cases: [string, number][] = [
  ['resnet18', 32],
  ['vgg11', 32],
  ['googlenet', 64],
  ['efficientnet_b0', 32],
];

beforeAll(() => {
  // One wasm thread: no worker to start, and the numbers do not depend on the core count.
  ort.env.wasm.numThreads = 1;
});

describe.each(backendsUnderTest())('toOnnxRuntime on onnxruntime-web (wasm) against convkit on %s', (backend) => {
  const { expectActive } = useBackend(backend);

  it.each(cases)('%s at %i px: same top-1, logits within 1e-4 of max |logit|', async (name, size) => {
    const model = createModel(name, { seed: 1, numClasses: 20 });
    if (name === 'googlenet') heScaledConvs(model);
    const predictor = await toOnnxRuntime(model, {
      inputShape: [1, size, size, 3],
      ort: ort as unknown as OrtModule,
      executionProviders: ['wasm'],
    });
    const x = tf.randomNormal([3, size, size, 3], 0, 1, 'float32', 9);
    try {
      expect(predictor.executionProviders).toEqual(['wasm']);
      const before = tf.memory().numTensors;
      const theirs = await predictor.predict(x); // a batch of 3 through the graph exported at batch 1
      expect(tf.memory().numTensors, 'predict returns one tensor and keeps nothing').toBe(before + 1);
      const ours = model.predict(x);
      expect(theirs.shape).toEqual([3, 20]);
      expect(await inputDependence(ours), 'logits that change with the input').toBeGreaterThan(1e-2);
      const diff = await relativeDiffAsync(theirs, ours);
      console.log(`[${backend}] ${name} @${size}px: onnxruntime-web vs convkit max |diff| / max |logit| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-4);
      const [a, b] = [tf.argMax(theirs, 1), tf.argMax(ours, 1)];
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      tf.dispose([theirs, ours, a, b]);
      await expect(predictor.predict(tf.zeros([1, size + 8, size, 3]))).rejects.toThrow(ShapeError);
      expectActive();
    } finally {
      x.dispose();
      await predictor.dispose();
      model.dispose();
    }
  });
});
