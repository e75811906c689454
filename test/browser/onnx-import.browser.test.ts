// importOnnx on every backend: torchvision exports made by Debian's torch (resnet18's default
// export with BatchNorm folded into renamed convs, mobilenet_v2 with BatchNorm kept) give
// PyTorch's float64 eval logits, with tf.memory() flat across predicts.
import * as tf from '@tensorflow/tfjs-core';
import { importOnnx } from '@convkit/onnx';
import { describe, expect, inject, it } from 'vitest';
import { inputDependence, relativeDiffAsync } from '@convkit/test-utils';
import { backendsUnderTest, useBackend } from './context';
import { loadReference, onnxCaseKey, onnxImportCases, readBytes } from './references';

const references = inject('onnxReferences');

describe.each(backendsUnderTest())('importOnnx of torchvision exports on %s', (backend) => {
  const { expectActive } = useBackend(backend);

  const cases = onnxImportCases.filter((c) => backend === 'cpu' || c.gpu === backend);
  it.each(cases)('$model (BatchNorm kept: $preserve) gives PyTorch logits', async (c) => {
    const files = references[onnxCaseKey(c)];
    if (!files) return void console.warn(`no torch export for ${onnxCaseKey(c)} (torch missing): skipped`);
    const [bytes, ref] = await Promise.all([readBytes(files.onnx), loadReference(files)]);
    // torchvision's state-dict names: all of them with BatchNorm kept; the conv and linear weights
    // of the default export, which renamed them (onnx::Conv_N) and are recovered from node scopes.
    const names = Object.keys(ref.state).filter((k) => c.preserve || ref.state[k].rank > 1);
    tf.dispose(Object.values(ref.state)); // the weights come from the .onnx file
    const model = await importOnnx(new Uint8Array(bytes));
    try {
      model.eval();
      expect(Object.keys(model.stateDict())).toEqual(expect.arrayContaining(names));
      const started = performance.now();
      const logits = model.predict(ref.input);
      const diff = await relativeDiffAsync(logits, ref.logits);
      const ms = performance.now() - started;
      // Measured after the first predict: eval mode keeps each conv's weights with its BatchNorm folded in.
      logits.dispose();
      const before = tf.memory().numTensors;
      console.log(
        `[${backend}] imported ${onnxCaseKey(c)} @64px: max |diff| / max |logit| = ${diff.toExponential(2)} (first predict ${ms.toFixed(0)} ms)`,
      );
      expect(await inputDependence(ref.logits), 'logits that change with the input').toBeGreaterThan(1e-2);
      expect(diff).toBeLessThan(1e-4);
      const again = model.predict(ref.input);
      expect(await relativeDiffAsync(again, ref.logits)).toBe(diff);
      again.dispose();
      expect(tf.memory().numTensors, 'tensors left behind by predict').toBe(before);
      expectActive();
    } finally {
      tf.dispose([ref.input, ref.logits]);
      model.dispose();
    }
  });
});
