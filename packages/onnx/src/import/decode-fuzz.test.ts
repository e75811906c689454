import { ConvkitError } from '@convkit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeOnnxModel, type OnnxModelInfo } from './decode';
import { edited, type ProtoModel, tensorProto, tinyExport } from './decode-fixtures';
import { inspectOnnx } from './inspect';

/** mulberry32: a tiny seeded PRNG so every run mutates the same way. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Varints that lie: lengths and dims near 2^31, 2^32, 2^63, and negative int64s (10 bytes).
const LYING_VARINTS = [
  [0xff, 0xff, 0xff, 0xff, 0x07],
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0x80, 0x80, 0x80, 0x80, 0x08],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x00],
  [0x7f],
];

function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  const at = pick(input.length);
  const splice = (drop: number, insert: ArrayLike<number>) => {
    const dropped = Math.min(drop, input.length - at);
    const out = new Uint8Array(input.length - dropped + insert.length);
    out.set(input.subarray(0, at));
    out.set(insert, at);
    out.set(input.subarray(at + dropped), at + insert.length);
    return out;
  };
  switch (pick(6)) {
    case 0: {
      const out = Uint8Array.from(input);
      for (let i = 0, n = 1 + pick(4); i < n; i++) out[pick(out.length)] ^= 1 << pick(8);
      return out;
    }
    case 1:
      return input.slice(0, at);
    case 2:
      return splice(1 + pick(16), []);
    case 3:
      return splice(
        0,
        Array.from({ length: 1 + pick(8) }, () => pick(256)),
      );
    case 4:
      return splice(pick(2) * 5, LYING_VARINTS[pick(LYING_VARINTS.length)]);
    default:
      return splice(0, input.subarray(at, at + 1 + pick(64)));
  }
}

/** What a successful decode must satisfy: sizes consistent, bounded by the input, values defined before use. */
function checkInvariants(m: OnnxModelInfo, inputBytes: number): void {
  let elements = 0;
  for (const t of m.initializers.values()) {
    expect(t.values.length).toBe(t.dims.reduce((a, b) => a * b, 1));
    elements += t.values.length;
  }
  expect(elements).toBeLessThanOrEqual(inputBytes);
  const defined = new Set([...m.inputs.map((v) => v.name), ...m.initializers.keys()]);
  for (const n of m.nodes) {
    for (const input of n.inputs) if (input) expect(defined.has(input)).toBe(true);
    for (const output of n.outputs) defined.add(output);
  }
}

const EXTERNAL = { 'w.bin': new Uint8Array(16) };
let seeds: Uint8Array[];
beforeAll(async () => {
  const tiny = await tinyExport();
  // A second seed with what the first lacks: a Constant node with an int64 tensor, float16, int8 and external initializers.
  const richer = edited(tiny, (m: ProtoModel) => {
    m.graph.initializer.push(tensorProto({ name: 'h', dims: [2], dataType: 10, int32Data: [0x3c00, 0xc100] }));
    m.graph.initializer.push(tensorProto({ name: 'q', dims: [2, 2], dataType: 3, rawData: new Uint8Array([1, 2, 3, 4]) }));
    const where = [
      { key: 'location', value: 'w.bin' },
      { key: 'offset', value: '4' },
      { key: 'length', value: '8' },
    ];
    m.graph.initializer.push(tensorProto({ name: 'ext', dims: [2], dataLocation: 1, externalData: where }));
    const t = tensorProto({ dims: [2], dataType: 7, int64Data: [1, -1] });
    m.graph.node.push({ name: 'shape', opType: 'Constant', output: ['shape_out'], attribute: [{ name: 'value', type: 4, t }] });
    m.graph.node.push({ name: 'r', opType: 'Reshape', input: ['output', 'shape_out'], output: ['reshaped'] });
  });
  // Plain arrays: protobufjs hands Node Buffers back, whose slice() is a view, not a copy.
  seeds = [Uint8Array.from(tiny), Uint8Array.from(richer)];
});

describe('fuzzing decodeOnnxModel with mutated real exports', () => {
  it('decodes to a checked structure or throws a ConvkitError: no other exception, no hang', () => {
    for (const seed of seeds) expect(decodeOnnxModel(seed, { externalData: EXTERNAL }).nodes.length).toBeGreaterThan(5);
    const random = rng(20261208);
    const deadline = Date.now() + 5000;
    const outcomes = { decoded: 0, refused: 0 };
    let slowest = 0;
    let cases = 0;
    for (; cases < 5000 && Date.now() < deadline; cases++) {
      const bytes = mutate(seeds[cases % seeds.length], random);
      const start = performance.now();
      try {
        const m = decodeOnnxModel(bytes, { customOps: cases % 3 ? 'refuse' : 'report', externalData: EXTERNAL });
        checkInvariants(m, bytes.length + EXTERNAL['w.bin'].length);
        inspectOnnx(bytes, { externalData: EXTERNAL });
        outcomes.decoded++;
      } catch (e) {
        if (!(e instanceof ConvkitError)) throw new Error(`case ${cases}: ${(e as Error)?.stack ?? e}`);
        outcomes.refused++;
      }
      slowest = Math.max(slowest, performance.now() - start);
    }
    console.log(
      `onnx decode fuzz: ${cases} cases (${outcomes.decoded} decoded, ${outcomes.refused} refused), slowest ${slowest.toFixed(1)} ms`,
    );
    expect(cases).toBeGreaterThanOrEqual(1000);
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.decoded).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(2000); // a hang, not a slow machine
  });
});
