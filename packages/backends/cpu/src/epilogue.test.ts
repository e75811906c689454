// The wasm ABI's single source, the epilogues' e^x against Math.exp, and the GEMM's narrow last
// panel (4×8 tiles) against a plain JS product.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as abi from './wasm/abi';
import { Engine } from './wasm/engine';
import { ElementwiseOp } from './wasm/elementwise';
import { Act, gemm, packB, packedSize } from './wasm/gemm';

const assembly = join(__dirname, '..', 'assembly');

describe('the wasm ABI has one source', () => {
  it('the kernels import their activation and op codes from src/wasm/abi.ts and define none themselves', () => {
    for (const file of readdirSync(assembly)) {
      const text = readFileSync(join(assembly, file), 'utf8');
      expect(text, file).not.toMatch(/\b(const|let)\s+(ACT|OP)_[A-Z0-9_]+\s*=/);
      if (/\b(ACT|OP)_[A-Z]/.test(text)) expect(text, file).toMatch(/from '\.\.\/src\/wasm\/abi'/);
    }
  });

  it("the host's Act and ElementwiseOp are abi.ts's codes, all different", () => {
    const acts = Object.entries(abi).filter(([k]) => k.startsWith('ACT_'));
    expect(Object.values(Act).sort()).toEqual(acts.map(([, v]) => v).sort());
    const ops = Object.entries(abi).filter(([k]) => k.startsWith('OP_'));
    expect(Object.values(ElementwiseOp).sort()).toEqual(ops.map(([, v]) => v).sort());
    expect(new Set(Object.values(ElementwiseOp)).size).toBe(ops.length);
  });
});

describe("the epilogues' e^x", () => {
  const e = new Engine({ threads: 1 });
  afterAll(() => e.dispose());
  const run = (op: number, x: Float32Array) => {
    e.reset();
    const px = e.put(x);
    const y = e.alloc(x.length);
    e.run('elementwise', [px, 0, y, x.length, 1, op, 0, 0, 0], false);
    return e.take(y, x.length);
  };
  const EXP_MIN = Math.fround(-86.6);
  const EXP_MAX = Math.fround(88.37626);

  it('is within 2.1e-7 of Math.exp (relative) on a dense grid over its whole range, clamp ends included', () => {
    const n = 1 << 21;
    const x = new Float32Array(n + 4);
    for (let i = 0; i < n; i++) x[i] = EXP_MIN + ((EXP_MAX - EXP_MIN) * i) / (n - 1);
    x.set([EXP_MIN, EXP_MAX, 0, -0], n);
    const y = run(ElementwiseOp.exp, x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(y[i] / Math.exp(x[i]) - 1));
    expect(worst).toBeLessThan(2.1e-7);
    expect(y[n + 2]).toBe(1);
  });

  it('saturates beyond the clamp (finite, positive) and keeps NaN', () => {
    const y = run(ElementwiseOp.exp, Float32Array.from([EXP_MIN, -87, -100, -1e30, -Infinity, EXP_MAX, 89, 1e30, Infinity, Number.NaN]));
    for (const v of y.slice(1, 5)) expect(v).toBe(y[0]);
    for (const v of y.slice(6, 9)) expect(v).toBe(y[5]);
    expect(y[0]).toBeGreaterThan(2e-38);
    expect(y[5]).toBeLessThan(3e38);
    expect(y[9]).toBeNaN();
  });

  it('sigmoid and SiLU built on it are within 4e-7 of the float64 formulas, 0 / x at the far ends', () => {
    const x = Float32Array.from({ length: 200001 }, (_, i) => -100 + i / 1000);
    const s = run(ElementwiseOp.sigmoid, x);
    const silu = run(ElementwiseOp.silu, x);
    for (let i = 0; i < x.length; i++) {
      const want = 1 / (1 + Math.exp(-x[i]));
      expect(Math.abs(s[i] - want)).toBeLessThanOrEqual(4e-7 * want + 1e-38);
      expect(Math.abs(silu[i] - x[i] * want)).toBeLessThanOrEqual(4e-7 * Math.abs(x[i] * want) + 1e-36);
    }
    const far = run(ElementwiseOp.sigmoid, Float32Array.from([-1e30, 1e30, Number.NaN]));
    expect(far[0]).toBeLessThan(1e-38);
    expect(far[1]).toBe(1);
    expect(far[2]).toBeNaN();
  });
});

describe('GEMM with a narrow last panel (≤ 8 columns: 4×8 tiles)', () => {
  const e = new Engine({ threads: 2 });
  afterAll(() => e.dispose());
  it.each([
    [13, 16, 24],
    [7, 24, 40],
    [4, 8, 8],
    [5, 3, 5],
    [1, 16, 3],
    [9, 40, 72],
    [66, 32, 120],
    [3, 12, 17],
  ])('M=%i K=%i N=%i, with bias, hardswish / linear and accumulate', (M, K, N) => {
    const a = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i * 1.3));
    const b = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i * 0.7));
    const bias = Float32Array.from({ length: N }, (_, i) => 0.5 * Math.sin(i));
    const c0 = Float32Array.from({ length: M * N }, (_, i) => Math.cos(i * 0.3));
    for (const [act, accumulate] of [
      [Act.Hardswish, false],
      [Act.Linear, true],
      [Act.Relu, false],
    ] as const) {
      e.reset();
      const pa = e.put(a);
      const pbias = e.put(bias);
      const pc = e.put(c0);
      const packed = e.alloc(packedSize(K, N));
      packB(e, e.put(b), N, 1, K, N, packed);
      gemm(e, { a: pa, rsA: K, csA: 1, bPacked: packed, c: pc, ldc: N, M, N, K, bias: pbias, act, accumulate });
      const got = e.take(pc, M * N);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let z = bias[j] + (accumulate ? c0[i * N + j] : 0);
          for (let k = 0; k < K; k++) z += a[i * K + k] * b[k * N + j];
          const want = act === Act.Hardswish ? (z * Math.min(Math.max(z + 3, 0), 6)) / 6 : act === Act.Relu ? Math.max(z, 0) : z;
          expect(Math.abs(got[i * N + j] - want), `(${i},${j})`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want)));
        }
      }
    }
  });
});
