import * as tf from '@tensorflow/tfjs-core';
import { inputDependence, relativeDiff } from '@convkit/test-utils';
import { torchAvailable } from '@convkit/test-utils/node';
import { runOnnx, toNchw } from '@convkit/test-utils/onnx';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../index';
import { prefixed, torchExport } from './torch-fixture';

// Every torchvision 0.14 CNN family (ShuffleNet aside: its shape subgraphs have their own test),
// exported by Debian's torch (batch 2, calibrated BatchNorm, randomized LayerNorm and layer
// scales), imported and run against PyTorch's float64 logits and onnxruntime-node. Each family
// appears at opset 13 and 17, default export (BatchNorm folded) and PRESERVE, across its members.
// VGG and AlexNet cannot be exported below 224 px and Inception v3 below 75 px; the rest run at 64.
type Case = [name: string, opset: number, preserve: boolean, size?: number];
const cases: Case[] = [
  ['resnet18', 13, false],
  ['resnet18', 17, false],
  ['resnet18', 13, true],
  ['resnet18', 17, true],
  ['resnet50', 13, false],
  ['mobilenet_v2', 13, false],
  ['mobilenet_v2', 17, true],
  ['mobilenet_v3_small', 13, false],
  ['mobilenet_v3_small', 17, true],
  ['mobilenet_v3_large', 17, false],
  ['squeezenet1_1', 13, false],
  ['squeezenet1_1', 17, true],
  ['efficientnet_b0', 13, false],
  ['efficientnet_b0', 17, true],
  ['efficientnet_v2_s', 17, false],
  ['efficientnet_v2_s', 13, true],
  ['mnasnet0_5', 13, false],
  ['mnasnet0_5', 17, true],
  ['regnet_x_400mf', 13, false],
  ['regnet_y_400mf', 17, true],
  ['densenet121', 13, false],
  ['densenet121', 17, true],
  ['googlenet', 13, false],
  ['googlenet', 17, true],
  ['inception_v3', 17, false, 75],
  ['inception_v3', 13, true, 75],
  // Decomposed LayerNorm (ReduceMean/Sub/Pow/Sqrt/Div) at 13, LayerNormalization at 17.
  ['convnext_tiny', 13, false],
  ['convnext_tiny', 17, true],
  // Big files (VGG's first Linear alone is 400 MB at 10 classes): one export each.
  ['alexnet', 13, false, 224],
  ['vgg11', 13, false, 224],
  ['vgg11_bn', 17, true, 224],
];

describe.runIf(torchAvailable())('importOnnx on torchvision exports', () => {
  it.each(cases)('%s opset %i preserve=%s', async (name, opset, preserve, size = 64) => {
    const ref = torchExport(name, { opset, preserve, size });
    const model = await importOnnx(ref.bytes);
    try {
      const state = model.stateDict();
      const keys = Object.keys(state);
      const torchState = prefixed(ref.tensors, 'state');
      const torchKeys = Object.keys(torchState);
      // Every weight is named after its PyTorch module, never after torch's made-up initializer names.
      expect(keys.filter((k) => !/^[\w.-]+$/.test(k) || k.includes('onnx'))).toEqual([]);
      // (A folded Conv→BatchNorm gains a bias torchvision's conv lacks: the module path is what must exist.)
      const modulePath = (k: string) => k.slice(0, k.lastIndexOf('.') + 1);
      expect(keys.filter((k) => !torchKeys.some((t) => t.startsWith(modulePath(k))))).toEqual([]);
      // Nothing folded (PRESERVE, or no BatchNorm at all): torchvision's state dict itself, key by
      // key, in tfjs layouts (what loadWeights needs to read a torchvision checkpoint).
      if (preserve || !torchKeys.some((k) => k.endsWith('running_mean'))) {
        expect(keys.sort()).toEqual(torchKeys.sort());
        const mismatched = keys.filter((k) => {
          const [ours, theirs] = [state[k] as tf.Tensor, torchState[k] as tf.Tensor];
          if (ours.shape.join() !== theirs.shape.join()) return true;
          return ours.dtype === 'float32' && tf.tidy(() => tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]) !== 0;
        });
        expect(mismatched).toEqual([]);
      }
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
