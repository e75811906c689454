import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError, UnknownNameError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { type EncodedTensor, expectClose, expectNoLeaks, toTensor } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import { Conv2d, ConvNormActivation, Linear, MaxPool2d, ReLU, Sequential, SqueezeExcitation } from './index';

const padding = readJson<{
  x: EncodedTensor;
  padding: [number, number];
  modes: Record<string, { weight: EncodedTensor; bias: EncodedTensor; y: EncodedTensor }>;
}>(new URL('./__fixtures__/padding-modes.json', import.meta.url));

describe('Conv2d', () => {
  it.each(Object.keys(padding.modes))('paddingMode %s matches PyTorch', (mode) => {
    const conv = new Conv2d(2, 3, 3, { padding: padding.padding, paddingMode: mode as never });
    const ref = padding.modes[mode];
    const [w, b, x] = [toTensor(ref.weight), toTensor(ref.bias), toTensor(padding.x)];
    conv.loadStateDict({ weight: w, bias: b });
    expectNoLeaks(() => {
      const y = conv.forward(x);
      expectClose(y, ref.y);
      y.dispose();
    });
    tf.dispose([w, b, x]);
    conv.dispose();
  });

  it('initialises like PyTorch: U(±1/√fanIn), seeded', () => {
    const a = new Conv2d(16, 32, 3, { generator: 5 });
    const b = new Conv2d(16, 32, 3, { generator: 5 });
    const bound = 1 / Math.sqrt(16 * 9);
    const w = a.weight.dataSync();
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...w)).toBeGreaterThan(bound * 0.98); // it spans the whole range
    // Uniform on ±bound has variance bound²/3.
    const variance = Array.from(w).reduce((s, v) => s + v * v, 0) / w.length;
    expect(variance).toBeCloseTo((bound * bound) / 3, 4);
    expect(Array.from(b.weight.dataSync())).toEqual(Array.from(w));
    a.dispose();
    b.dispose();
  });

  it('rejects bad options', () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/divisible by groups/);
    expect(() => new Conv2d(0, 4, 3)).toThrow(OptionError);
    expect(() => new Conv2d(3, 4, 3, { paddingMode: 'mirror' as never })).toThrow(/paddingMode/);
    const conv = new Conv2d(3, 4, 3);
    expect(() => conv.forward(tf.zeros([1, 8, 8, 2]))).toThrow(ShapeError);
    conv.dispose();
  });
});

describe('ConvNormActivation and SqueezeExcitation use torchvision names', () => {
  it('keys', () => {
    const block = new ConvNormActivation(3, 8, 3, { stride: 2 });
    expect(Object.keys(block.stateDict())).toEqual([
      '0.weight',
      '1.weight',
      '1.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
    ]);
    const noNorm = new ConvNormActivation(3, 8, 1, { normLayer: null });
    expect(Object.keys(noNorm.stateDict())).toEqual(['0.weight', '0.bias']);
    const se = new SqueezeExcitation(16, 4);
    expect(Object.keys(se.stateDict())).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    [block, noNorm, se].forEach((m) => m.dispose());
  });

  it('SqueezeExcitation scales each channel by sigmoid(fc2(relu(fc1(mean))))', () => {
    const se = new SqueezeExcitation(2, 1);
    const set = (v: tf.Variable, values: number[]) => v.assign(tf.tensor(values, v.shape));
    set(se.fc1.weight, [1, 1]); // [1,1,2,1]: sum of the two channel means
    set(se.fc1.bias as tf.Variable, [0]);
    set(se.fc2.weight, [1, -1]);
    set(se.fc2.bias as tf.Variable, [0, 0]);
    const x = tf.tensor4d([1, 3, 1, 3, 1, 3, 1, 3], [1, 2, 2, 2]); // channel means 1 and 3
    const y = se.forward(x);
    const s = 1 / (1 + Math.exp(-4)); // fc1 → 4; fc2 → (4, -4)
    expectClose(y, tf.tensor4d([s, 3 * (1 - s), s, 3 * (1 - s), s, 3 * (1 - s), s, 3 * (1 - s)], [1, 2, 2, 2]));
    tf.dispose([x, y]);
    se.dispose();
  });
});

describe('Module tree', () => {
  it('setModule replaces a head and the state dict follows', () => {
    const model = new Sequential(new Conv2d(3, 4, 3), new ReLU(), new Linear(4, 10));
    const oldHead = model.at(2) as Linear;
    model.setModule('2', new Linear(4, 3));
    expect(oldHead.weight.isDisposed).toBe(true);
    expect(model.stateDict()['2.weight'].shape).toEqual([4, 3]);
    expect(() => model.setModule('7', new ReLU())).toThrow(UnknownNameError);
    model.dispose();
  });

  it('freeze / unfreeze by prefix', () => {
    const model = new Sequential(new ConvNormActivation(3, 4), new Linear(4, 2));
    model.freeze('0');
    expect(model.trainableParameters().length).toBe(2);
    expect(model.summary([1, 4, 4, 3]).nonTrainableParams).toBe(3 * 3 * 3 * 4 + 8);
    model.unfreeze();
    expect(model.trainableParameters().length).toBe(5);
    expect(() => model.freeze('features')).toThrow(/unknown name 'features'; known: 0, 1/);
    model.dispose();
  });

  it("summary() of a VGG-style stack shows the course's per-block output sizes", () => {
    const cfg = [
      [64, 64],
      [128, 128],
      [256, 256, 256],
      [512, 512, 512],
      [512, 512, 512],
    ];
    let inC = 3;
    const layers: (Conv2d | ReLU | MaxPool2d)[] = [];
    for (const block of cfg) {
      for (const c of block) {
        layers.push(new Conv2d(inC, c, 3, { padding: 1 }), new ReLU());
        inC = c;
      }
      layers.push(new MaxPool2d({ kernelSize: 2, stride: 2 }));
    }
    const model = new Sequential(...layers);
    const summary = expectNoLeaks(() => model.summary([1, 224, 224, 3]));
    const pools = summary.rows.filter((r) => r.type === 'MaxPool2d').map((r) => r.outputShape?.join('×'));
    expect(pools).toEqual(['112×112×64', '56×56×128', '28×28×256', '14×14×512', '7×7×512']);
    expect(summary.totalParams).toBe(14_714_688); // VGG16's feature extractor in torchvision
    const text = summary.toString();
    expect(text).toMatch(/Total params: 14,714,688/);
    expect(text).toMatch(/112×112×64/);
    model.dispose();
  });
});
