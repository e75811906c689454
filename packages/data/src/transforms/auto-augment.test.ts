import { OptionError } from '@convkit/core';
import { expectClose } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { leavesOnlyResult } from '../__fixtures__/leaks';
import {
  type AugmentOpName,
  type AugmentationSpace,
  type AutoAugmentPolicyName,
  autoAugmentPolicy,
  autoAugmentSpace,
  randAugmentSpace,
  trivialAugmentWideSpace,
} from './augment-policies';
import { applyAugmentOp, autoAugment, randAugment, trivialAugmentWide } from './auto-augment';
import type { GridInterpolation } from './geometry';

// Made by scripts/fixtures/augmentations.py from torchvision 0.14's autoaugment.py.
type Space = Record<string, { magnitudes: number[]; signed: boolean }>;
const tables = readJson<{ spaces: Record<string, Space>; policies: Record<string, [string, number, number | null][][]> }>(
  new URL('../__fixtures__/augment-policies.json', import.meta.url),
);
interface ApplyCase {
  op: AugmentOpName;
  magnitude: number;
  interpolation: GridInterpolation;
  fill: number[] | null;
  y: number[];
}
const ops = readJson<{ image: { shape: number[]; data: number[] }; applyOp: Record<string, ApplyCase> }>(
  new URL('../__fixtures__/augment-ops.json', import.meta.url),
);

const ours: Record<string, () => AugmentationSpace> = {
  autoAugment_10_224x224: () => autoAugmentSpace(10, [224, 224]),
  randAugment_31_32x48: () => randAugmentSpace(31, [32, 48]),
  randAugment_10_224x160: () => randAugmentSpace(10, [224, 160]),
  trivialAugmentWide_31: () => trivialAugmentWideSpace(31),
  trivialAugmentWide_8: () => trivialAugmentWideSpace(8),
};

describe('augmentation tables equal torchvision 0.14', () => {
  it.each(Object.keys(tables.spaces))('%s: same ops in the same order, bins and signs', (name) => {
    const expected = tables.spaces[name];
    const space = ours[name]();
    expect(space.map(([op]) => op)).toEqual(Object.keys(expected));
    // Bins are float32 torch.linspace values, reproduced bit for bit.
    for (const [op, { magnitudes, signed }] of space) expect({ magnitudes, signed }, op).toEqual(expected[op]);
  });

  it.each(['imagenet', 'cifar10', 'svhn'])('AutoAugment %s policy', (name) => {
    expect(autoAugmentPolicy(name as AutoAugmentPolicyName)).toEqual(tables.policies[name]);
  });
});

describe("applyAugmentOp matches torchvision's _apply_op on the uint8 image within 1/255", () => {
  const x = tf.tidy(() => tf.div(tf.tensor(ops.image.data, ops.image.shape, 'float32'), 255)) as tf.Tensor4D;
  it.each(Object.keys(ops.applyOp))('%s', (name) => {
    const c = ops.applyOp[name];
    // torchvision's uint8 fill is in 0..255; ours is in the image's 0..1.
    const fill = c.fill ? c.fill.map((v) => v / 255) : undefined;
    const y = leavesOnlyResult(() => applyAugmentOp(x, c.op, c.magnitude, { interpolation: c.interpolation, fill }));
    const expected = tf.tensor(
      c.y.map((v) => v / 255),
      y.shape,
    );
    // torchvision truncates blends to uint8 (< 1/255); Sharpness also rounds its smoothed image to
    // uint8 first, which the blend's factor (1 + m) − 1 = 0.8 scales: up to (1 + 0.8 · 0.5)/255.
    const atol = (c.op === 'Sharpness' ? 1.4 : 1) / 255 + 1e-6;
    expectClose(y, expected, { atol, rtol: 0 });
    tf.dispose([y, expected]);
  });
});

describe('random augmentation policies', () => {
  const batch = () =>
    tf.tidy(() => tf.div(tf.tile(tf.tensor(ops.image.data, ops.image.shape, 'float32'), [6, 1, 1, 1]), 255)) as tf.Tensor4D;

  it.each([
    ['autoAugment', (seed: number) => autoAugment({ seed })],
    ['autoAugment cifar10 bilinear', (seed: number) => autoAugment({ policy: 'cifar10', interpolation: 'bilinear', seed })],
    ['randAugment', (seed: number) => randAugment({ seed, numOps: 3, magnitude: 20 })],
    ['trivialAugmentWide', (seed: number) => trivialAugmentWide({ seed, fill: 0.5 })],
  ] as const)('%s is reproducible by seed, per example, in range, without leaks', (_, make) => {
    const x = batch();
    const a = leavesOnlyResult(() => make(3)(x));
    const b = make(3)(x);
    expect(a.shape).toEqual(x.shape);
    expect(a.arraySync()).toEqual(b.arraySync());
    const values = a.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    // Six copies of one image: independent draws per example make them differ.
    const rows = tf.tidy(() => tf.unstack(a).map((r) => r.dataSync().join(',')));
    expect(new Set(rows).size).toBeGreaterThan(1);
    tf.dispose([x, a, b]);
  });

  it('randAugment with no ops hands back a copy', () => {
    const x = batch();
    const y = leavesOnlyResult(() => randAugment({ numOps: 0 })(x));
    expectClose(y, x, { atol: 0, rtol: 0 });
    expect(y).not.toBe(x);
    tf.dispose([x, y]);
  });

  it('bins index the tables as torchvision does (last Rotate bin is 30°, first Solarize bin 255)', () => {
    const space = randAugmentSpace(31, [7, 10]);
    const rotate = space.find(([op]) => op === 'Rotate')![1];
    expect(rotate.magnitudes[30]).toBe(30);
    expect(space.find(([op]) => op === 'Solarize')![1].magnitudes[0]).toBe(255);
  });

  it('rejects bad options with typed errors naming them', () => {
    expect(() => randAugment({ magnitude: 31 })).toThrow(/randAugment\.magnitude/);
    expect(() => randAugment({ numOps: -1 })).toThrow(OptionError);
    expect(() => randAugment({ numMagnitudeBins: 1 })).toThrow(/randAugment\.numMagnitudeBins/);
    expect(() => trivialAugmentWide({ numMagnitudeBins: 2.5 })).toThrow(/trivialAugmentWide\.numMagnitudeBins/);
    expect(() => autoAugment({ policy: 'mnist' as AutoAugmentPolicyName })).toThrow(/autoAugment\.policy/);
    expect(() => autoAugment({ interpolation: 'bicubic' as GridInterpolation })).toThrow(/autoAugment\.interpolation/);
    const four = tf.zeros([1, 4, 4, 4]) as tf.Tensor4D;
    expect(() => trivialAugmentWide()(four)).toThrow(/1 or 3 channels/);
    four.dispose();
  });
});
