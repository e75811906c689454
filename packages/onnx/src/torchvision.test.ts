import { createModel } from '@convkit/models';
import { describe, expect, it } from 'vitest';
import { relativeDiff } from '@convkit/test-utils';
import { torchAvailable, torchReference } from '@convkit/test-utils/node';
import { runOnnx, toNchw } from '@convkit/test-utils/onnx';
import { exportOnnx } from './index';

// PyTorch → state dict → convkit → ONNX → onnxruntime: the file's logits are torchvision's own
// (scripts/fixtures/architectures.py builds the torchvision model, its weights and its logits).
describe.runIf(torchAvailable())('exportOnnx matches torchvision on the same weights and input', () => {
  it.each([
    ['resnet18', 64],
    ['efficientnet_b0', 64],
  ])(
    '%s',
    async (name, size) => {
      const ref = torchReference(name as string, { size: size as number, batch: 3 });
      const model = createModel(name as string);
      try {
        model.loadStateDict(ref.state);
        const bytes = await exportOnnx(model, { inputShape: [1, 3, size as number, size as number] });
        const logits = await runOnnx(bytes, toNchw(ref.input));
        expect(logits.shape).toEqual(ref.logits.shape);
        expect(relativeDiff(logits, ref.logits)).toBeLessThan(1e-4);
        logits.dispose();
      } finally {
        ref.dispose();
        model.dispose();
      }
    },
    300_000,
  );
});
