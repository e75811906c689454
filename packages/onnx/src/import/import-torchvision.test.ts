import * as tf from '@tensorflow/tfjs-core';
import { inputDependence, relativeDiff } from '@convkit/test-utils';
import { torchAvailable } from '@convkit/test-utils/node';
import { runOnnx, toNchw } from '@convkit/test-utils/onnx';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../index';
import { prefixed, torchExport } from './torch-fixture';

// torchvision models exported by Debian's torch (64 px, batch 2, calibrated BatchNorm), imported
// and run against PyTorch's float64 logits and onnxruntime-node.
const cases: [string, number, boolean][] = [
  ['resnet18', 13, false],
  ['resnet18', 17, false],
  ['resnet18', 13, true],
  ['resnet18', 17, true],
  ['mobilenet_v2', 13, false],
  ['mobilenet_v2', 17, true],
  ['squeezenet1_1', 13, false],
  ['squeezenet1_1', 17, false],
  ['efficientnet_b0', 13, false],
  ['efficientnet_b0', 17, true],
];

describe.runIf(torchAvailable())('importOnnx on torchvision exports', () => {
  it.each(cases)('%s opset %i preserve=%s', async (name, opset, preserve) => {
    const ref = torchExport(name, { opset, preserve });
    const model = await importOnnx(ref.bytes);
    try {
      const keys = Object.keys(model.stateDict());
      const torchKeys = Object.keys(prefixed(ref.tensors, 'state'));
      // Every weight is named after its PyTorch module, never after torch's made-up initializer names.
      expect(keys.filter((k) => !/^[\w.]+$/.test(k) || k.includes('onnx'))).toEqual([]);
      // (A folded Conv→BatchNorm gains a bias torchvision's conv lacks: the module path is what must exist.)
      const modulePath = (k: string) => k.slice(0, k.lastIndexOf('.') + 1);
      expect(keys.filter((k) => !torchKeys.some((t) => t.startsWith(modulePath(k))))).toEqual([]);
      if (preserve) expect(keys.sort()).toEqual(torchKeys.sort());
      const input = ref.tensors.input as tf.Tensor;
      // (The first eval pass caches BatchNorm folded into the convs.)
      tf.dispose(model.predict(input));
      const before = tf.memory().numTensors;
      const ours = model.predict(input);
      expect(tf.memory().numTensors).toBe(before + 1);
      const logits = ref.tensors.logits as tf.Tensor;
      expect(ours.shape).toEqual(logits.shape);
      const vsTorch = relativeDiff(ours, logits);
      const nchw = toNchw(input);
      const theirs = await runOnnx(ref.bytes, nchw);
      const vsOrt = relativeDiff(ours, theirs);
      console.log(
        `${name} opset ${opset}${preserve ? ' preserve' : ''}: vs PyTorch ${vsTorch.toExponential(2)}, vs onnxruntime ${vsOrt.toExponential(2)}, PyTorch float32 ${ref.float32Error.toExponential(2)}`,
      );
      expect(vsTorch).toBeLessThan(1e-4);
      expect(vsOrt).toBeLessThan(1e-4);
      expect(await inputDependence(ours)).toBeGreaterThan(1e-2);
      tf.dispose([ours, theirs, nchw]);
    } finally {
      model.dispose();
      ref.dispose();
    }
  });
});
