// ConvNeXt's export (LayerNorm2d, channels-last LayerNorm, GELU, layer scale) on onnx's checker and
// onnxruntime-node, at opset 17 (LayerNormalization) and 13 (its decomposition).
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@convkit/core';
import { inputDependence, relativeDiff } from '@convkit/test-utils';
import { checkerAvailable, checkModel, runOnnx, toNchw } from '@convkit/test-utils/onnx';
import { describe, expect, it } from 'vitest';
import { convnext_tiny } from '@convkit/convnext';
import { exportOnnx } from './index';

/** LayerNorm affine parameters and layer scales away from 1, 0 and 1e-6: at 1e-6 the blocks would not show in the logits. */
function informative(model: Module): void {
  let seed = 11;
  const draw = (v: tf.Variable, low: number, high: number) =>
    tf.tidy(() => v.assign(tf.randomUniform(v.shape, low, high, 'float32', seed++)));
  for (const [, m] of model.namedModules()) {
    const { weight, bias, layerScale } = m as Module & { weight?: tf.Variable; bias?: tf.Variable; layerScale?: tf.Variable };
    if (m.typeName === 'LayerNorm' || m.typeName === 'LayerNorm2d') {
      if (weight) draw(weight, 0.5, 1.5);
      if (bias) draw(bias, -0.3, 0.3);
    }
    if (m.typeName === 'CNBlock' && layerScale) draw(layerScale, 0.5, 1.5);
  }
}

describe('exportOnnx: ConvNeXt', () => {
  it.each([17, 13])(
    'convnext_tiny at opset %i matches convkit on onnxruntime-node',
    async (opset) => {
      const model = convnext_tiny({ seed: 0, numClasses: 16 });
      informative(model);
      try {
        const before = tf.memory().numTensors;
        const bytes = await exportOnnx(model, { inputShape: [1, 3, 32, 32], opset });
        expect(tf.memory().numTensors).toBe(before);
        if (checkerAvailable()) checkModel(bytes);
        const x = tf.randomNormal([3, 32, 32, 3], 0, 1, 'float32', 7);
        const ours = model.predict(x);
        expect(await inputDependence(ours), 'logits that change with the input').toBeGreaterThan(1e-2);
        const theirs = await runOnnx(bytes, toNchw(x));
        expect(theirs.shape).toEqual([3, 16]);
        const diff = relativeDiff(theirs, ours);
        console.log(`convnext_tiny opset ${opset}: max |diff| / max |logit| = ${diff.toExponential(2)}`);
        expect(diff).toBeLessThan(1e-4);
        tf.dispose([x, ours, theirs]);
      } finally {
        model.dispose();
      }
    },
    600_000,
  );
});
