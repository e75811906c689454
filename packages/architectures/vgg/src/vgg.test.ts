import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeArchitectures } from '@convkit/test-utils/node';
import { vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn, vggWeights } from './index';

const size = 32;
describeArchitectures('VGG', [
  { name: 'vgg11', build: () => vgg11({ seed: 0 }), params: 132_863_336, size, trainSize: size },
  { name: 'vgg11_bn', build: () => vgg11_bn({ seed: 0 }), params: 132_868_840, size, trainSize: size },
  { name: 'vgg13', build: () => vgg13({ seed: 0 }), params: 133_047_848, size, trainSize: size },
  { name: 'vgg13_bn', build: () => vgg13_bn({ seed: 0 }), params: 133_053_736, size, trainSize: size },
  { name: 'vgg16', build: () => vgg16({ seed: 0 }), params: 138_357_544, size, trainSize: size },
  { name: 'vgg16_bn', build: () => vgg16_bn({ seed: 0 }), params: 138_365_992, size, trainSize: size },
  { name: 'vgg19', build: () => vgg19({ seed: 0 }), params: 143_667_240, size, trainSize: size },
  { name: 'vgg19_bn', build: () => vgg19_bn({ seed: 0 }), params: 143_678_248, size, trainSize: size },
]);

describe('VGG specifics', () => {
  it("per-block output sizes of the course's VGG16 table", () => {
    const model = vgg16({ seed: 1 });
    const summary = model.summary([1, 224, 224, 3]);
    const pools = summary.rows.filter((r) => r.type === 'MaxPool2d').map((r) => r.outputShape?.join('×'));
    expect(pools).toEqual(['112×112×64', '56×56×128', '28×28×256', '14×14×512', '7×7×512']);
    expect(summary.outputShape).toEqual([1000]);
    model.dispose();
  });

  it('resetClassifier replaces classifier.6; weights catalog', () => {
    const model = vgg11({ numClasses: 5, seed: 2 });
    expect(model.numClasses).toBe(5);
    model.resetClassifier(2);
    expect(model.stateDict()['classifier.6.weight'].shape).toEqual([4096, 2]);
    const x = tf.zeros([1, 32, 32, 3]);
    const y = model.predict(x);
    expect(y.shape).toEqual([1, 2]);
    tf.dispose([x, y]);
    model.dispose();
    expect(vggWeights.vgg16[0]).toMatchObject({ fileName: 'vgg16-397923af.pth', numParams: 138_357_544 });
  });
});
