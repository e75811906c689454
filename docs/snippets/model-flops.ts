import '@convkit/backend-cpu';
import type { Conv2d, Linear } from '@convkit/layers';
import { createModel, modelInfo } from '@convkit/models';

/**
 * Multiply-adds of one image, counted as torchvision's "GFLOPS" are: every conv weight is used
 * once per output position (H·W·F·C_in/groups·K·K), every Linear weight once (in·out).
 * The output sizes come from model.summary(), which runs the model once on zeros.
 */
function multiplyAdds(name: string): number {
  const size = modelInfo(name).inputSize;
  const model = createModel(name, { seed: 0 });
  const shapes = new Map(model.summary([1, size, size, 3]).rows.map((r) => [r.path, r.outputShape]));
  let total = 0;
  for (const [path, m] of model.namedModules()) {
    const out = shapes.get(path);
    if (!out) continue;
    if (m.typeName === 'Conv2d') {
      const conv = m as Conv2d;
      const [kh, kw] = conv.kernelSize;
      total += out[0] * out[1] * out[2] * (conv.inChannels / conv.options.groups) * kh * kw;
    } else if (m.typeName === 'Linear') {
      const fc = m as Linear;
      total += fc.inFeatures * fc.outFeatures;
    }
  }
  model.dispose();
  return total;
}

for (const name of ['mobilenet_v3_small', 'mobilenet_v3_large', 'mobilenet_v2', 'mnasnet1_0', 'squeezenet1_1', 'efficientnet_v2_s']) {
  const { inputSize } = modelInfo(name);
  console.log(`${name} at ${inputSize}×${inputSize}: ${(multiplyAdds(name) / 1e9).toFixed(2)} G multiply-adds`);
}
