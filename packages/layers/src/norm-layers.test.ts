import {
  chooseConversion,
  GeluGradKernel,
  GeluKernel,
  LayerNormGradKernel,
  LayerNormKernel,
  type Module,
  OptionError,
  parameterConversion,
  ShapeError,
  toPytorchShape,
  toPytorchValues,
  toTfjsValues,
} from '@convkit/core';
import { type EncodedTensor, expectClose, expectNoLeaks, toTensor } from '@convkit/test-utils';
import { readJson } from '@convkit/test-utils/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GELU, LayerNorm, LayerNorm2d, LayerScale, Sequential } from './index';

// PyTorch float64 references written by scripts/fixtures/norm-layers.py.
interface Case {
  x: EncodedTensor;
  y: EncodedTensor;
  dy: EncodedTensor;
  dx: EncodedTensor;
  [name: string]: EncodedTensor | number;
}
const fixture = readJson<{
  layerNorm2d: Case;
  layerNorm: Case;
  gelu: Case;
  geluTanh: Case;
  layerScale: Case;
  keys: { CNBlock: Record<string, number[]>; LayerNorm2d: Record<string, number[]>; layerScaleInit: number };
}>(new URL('./__fixtures__/norm-layers.json', import.meta.url));

const FORWARD = { rtol: 1e-5, atol: 0 };
const GRADIENT = { rtol: 1e-4, atol: 0 };
const enc = (c: Case, name: string) => c[name] as EncodedTensor;

/** The module's output for the case's input and the gradients of Σ y·dy w.r.t. x and each named parameter. */
function forwardAndGrads(m: Module, c: Case): { y: tf.Tensor; grads: Record<string, tf.Tensor> } {
  const input = toTensor(c.x);
  const x = tf.variable(input, true, `x_${Math.random()}`);
  const dy = toTensor(c.dy);
  const y = m.forward(x);
  const params = Object.fromEntries(m.namedParameters());
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(m.forward(x), dy)), [x, ...Object.values(params)]);
  const named = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, grads[v.name]]));
  const result = { y, grads: { x: grads[x.name], ...named } };
  tf.dispose([input, x, dy, value]);
  return result;
}

function check(m: Module, c: Case, gradNames: Record<string, string>): void {
  expectNoLeaks(() => {
    const { y, grads } = forwardAndGrads(m, c);
    expectClose(y, c.y, FORWARD, 'y');
    for (const [ours, theirs] of Object.entries(gradNames)) expectClose(grads[ours], enc(c, theirs), GRADIENT, ours);
    tf.dispose([y, ...Object.values(grads)]);
  });
}

function loaded<M extends Module>(m: M, c: Case, names: Record<string, string>): M {
  const dict = Object.fromEntries(Object.entries(names).map(([ours, theirs]) => [ours, toTensor(enc(c, theirs))]));
  m.loadStateDict(dict);
  tf.dispose(Object.values(dict));
  return m;
}

const kernels = [LayerNormKernel, LayerNormGradKernel, GeluKernel, GeluGradKernel];

describe.each([
  ["the CPU backend's kernels", false],
  ['the tfjs-op fallback', true],
] as const)('norm layers vs PyTorch float64 on %s', (_, fallback) => {
  const saved: tf.KernelConfig[] = [];
  beforeAll(() => {
    for (const name of kernels) {
      const k = tf.getKernel(name, 'cpu');
      expect(k, `${name} registered on cpu`).toBeDefined();
      if (fallback && k) {
        saved.push(k);
        tf.unregisterKernel(name, 'cpu');
      }
    }
  });
  afterAll(() => {
    for (const k of saved.splice(0)) tf.registerKernel(k);
  });

  it('LayerNorm2d (eps 1e-6, random affine): output and the gradients of x, weight and bias', () => {
    const c = fixture.layerNorm2d;
    const m = loaded(new LayerNorm2d(6, { eps: c.eps as number }), c, { weight: 'weight', bias: 'bias' });
    check(m, c, { x: 'dx', weight: 'dweight', bias: 'dbias' });
    m.dispose();
  });

  it('LayerNorm((3, 4)) over the last two axes (default eps)', () => {
    const c = fixture.layerNorm;
    const m = loaded(new LayerNorm([3, 4]), c, { weight: 'weight', bias: 'bias' });
    expect(m.eps).toBe(c.eps);
    check(m, c, { x: 'dx', weight: 'dweight', bias: 'dbias' });
    m.dispose();
  });

  it.each([
    ['exact', 'gelu', new GELU()],
    ['tanh', 'geluTanh', new GELU({ approximate: 'tanh' })],
  ] as const)('GELU %s: output and input gradient over both tails', (_, key, m) => {
    check(m, fixture[key], { x: 'dx' });
  });

  it('LayerScale: output and the gradients of x and layer_scale', () => {
    const c = fixture.layerScale;
    const m = loaded(new LayerScale(4), c, { layer_scale: 'scale' });
    check(m, c, { x: 'dx', layer_scale: 'dscale' });
    m.dispose();
  });
});

describe('norm layers: names, layouts, modes and bad inputs', () => {
  it("torchvision's keys and shapes: LayerNorm2d weight/bias [C], CNBlock's layer_scale [C,1,1] starting at 1e-6", () => {
    const norm = new LayerNorm2d(8);
    const scale = new LayerScale(8);
    const shapes = (m: Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape]));
    expect(shapes(norm)).toEqual(fixture.keys.LayerNorm2d);
    expect(shapes(scale)).toEqual({ layer_scale: fixture.keys.CNBlock.layer_scale });
    expect(Array.from(scale.scale.dataSync())).toEqual(new Array(8).fill(Math.fround(fixture.keys.layerScaleInit)));
    expect([norm.eps, new LayerNorm(8).eps]).toEqual([1e-6, 1e-5]);
    norm.dispose();
    scale.dispose();
  });

  it('state dicts round-trip through PyTorch layouts unchanged', () => {
    const m = new Sequential(new LayerNorm2d(4), new LayerScale(4, 0.5));
    const pytorch = Object.entries(m.stateDict()).map(([key, t]) => {
      const c = parameterConversion(t.shape);
      return [key, toPytorchShape(t.shape, c), toPytorchValues(t.dataSync() as Float32Array, t.shape, c)] as const;
    });
    expect(pytorch.map(([k, s]) => [k, s])).toEqual([
      ['0.weight', [4]],
      ['0.bias', [4]],
      ['1.layer_scale', [4, 1, 1]],
    ]);
    const back = Object.fromEntries(
      pytorch.map(([key, shape, values]) => {
        const target = m.stateDict()[key].shape;
        return [key, tf.tensor(toTfjsValues(values, shape, chooseConversion(shape, target, 'pytorch')), target)];
      }),
    );
    for (const [key, t] of Object.entries(m.stateDict())) expect(Array.from(back[key].dataSync())).toEqual(Array.from(t.dataSync()));
    m.loadStateDict(back);
    tf.dispose(Object.values(back));
    m.dispose();
  });

  it('train and eval give the same output; summary names the layers', () => {
    const m = new Sequential(new LayerNorm2d(3), new GELU(), new LayerScale(3, 2));
    const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 3);
    const train = m.train().forward(x);
    const evaluated = m.predict(x);
    expectClose(evaluated, train, { rtol: 0, atol: 0 });
    const s = m.summary([1, 4, 4, 3]);
    expect(s.rows.map((r) => r.type)).toEqual(['LayerNorm2d', 'GELU', 'LayerScale']);
    expect(s.totalParams).toBe(3 + 3 + 3);
    tf.dispose([x, train, evaluated]);
    m.dispose();
  });

  it('bad inputs: ShapeError naming the layer with expected vs actual; OptionError for options', () => {
    const norm = new LayerNorm2d(8);
    const last = new LayerNorm([3, 4]);
    const scale = new LayerScale(8);
    const x = tf.zeros([2, 4, 4, 6]);
    const flat = tf.zeros([2, 8]);
    expect(() => norm.forward(x)).toThrow(ShapeError);
    expect(() => norm.forward(x)).toThrow(/^LayerNorm2d: expected an NHWC input \[N,H,W,8\], got \[2,4,4,6\]/);
    expect(() => norm.forward(flat)).toThrow(/LayerNorm2d: .*got \[2,8\]/);
    expect(() => last.forward(x)).toThrow(/^LayerNorm: expected an input whose last axes are \[3,4\], got \[2,4,4,6\]/);
    expect(() => scale.forward(x)).toThrow(/^LayerScale: expected an NHWC input \[N,H,W,8\], got \[2,4,4,6\]/);
    expect(() => new LayerNorm2d(0)).toThrow(OptionError);
    expect(() => new LayerNorm(4, { eps: -1 })).toThrow(/LayerNorm: eps must be > 0, got -1/);
    expect(() => new LayerScale(2.5)).toThrow(/LayerScale: channels must be a positive integer, got 2.5/);
    expect(() => new GELU('erf' as 'none')).toThrow(/GELU: approximate must be 'none' or 'tanh', got "erf"/);
    tf.dispose([x, flat]);
    for (const m of [norm, last, scale]) m.dispose();
  });
});
