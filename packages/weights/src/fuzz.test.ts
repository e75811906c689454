import * as tf from '@tensorflow/tfjs-core';
import { ConvkitError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { fixture } from './__fixtures__/tiny-net';
import { inspectWeights } from './inspect';
import { parseWeights } from './parse';

/** mulberry32: a tiny seeded PRNG so every run mutates the same way. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = ['tiny-net.pth', 'dtypes.pth', 'tiny-net-deflated.pth', 'bigendian.pth', 'tiny-net.safetensors', 'dtypes.safetensors'].map(
  (n) => [n, fixture(n)] as const,
);
const LYING = [0xffffffff, 0x7fffffff, 0x80000000, 0, 1, 0xffff, 1 << 24];

function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  const bytes = input.slice();
  switch (pick(6)) {
    case 0: // flip a few bytes
      for (let i = 0, n = 1 + pick(4); i < n; i++) bytes[pick(bytes.length)] = pick(256);
      return bytes;
    case 1: // a lying 32-bit length or offset
      new DataView(bytes.buffer).setUint32(pick(bytes.length - 4), LYING[pick(LYING.length)], true);
      return bytes;
    case 2: // truncate
      return bytes.slice(0, pick(bytes.length));
    case 3: {
      // drop a slice
      const at = pick(bytes.length);
      return new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + 1 + pick(64))]);
    }
    case 4: {
      // duplicate a slice
      const at = pick(bytes.length);
      return new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at, at + 1 + pick(64)), ...bytes.subarray(at)]);
    }
    default: {
      // safetensors: rewrite one number of the JSON header; zips: flip one byte
      if (bytes[8] !== 0x7b) return ((bytes[pick(bytes.length)] ^= 1 << pick(8)), bytes);
      const n = new DataView(bytes.buffer).getUint32(0, true);
      const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
      const numbers = [...text.matchAll(/\d+/g)];
      const m = numbers[pick(numbers.length)];
      const value = String([0, 1, 7, 2 ** 31, 2 ** 53, 1e300, pick(5000)][pick(7)]);
      const header = new TextEncoder().encode(text.slice(0, m.index) + value + text.slice(m.index! + m[0].length));
      const out = new Uint8Array(8 + header.length + bytes.length - 8 - n);
      new DataView(out.buffer).setUint32(0, header.length, true);
      out.set(header, 8);
      out.set(bytes.subarray(8 + n), 8 + header.length);
      return out;
    }
  }
}

describe('fuzzing the readers with mutated valid files', () => {
  it('fails only with ConvkitError: no other exception, no hang, no allocation beyond the input', () => {
    const random = rng(20240611);
    const deadline = Date.now() + 6000;
    const tensorsBefore = tf.memory().numTensors;
    const outcomes = { ok: 0, rejected: 0 };
    const messages = new Set<string>();
    let cases = 0;
    for (; cases < 4000 && Date.now() < deadline; cases++) {
      const [name, seed] = SEEDS[cases % SEEDS.length];
      const bytes = mutate(seed, random);
      try {
        inspectWeights(bytes, { name });
        const file = parseWeights(bytes, { name });
        for (const t of file.tensors) {
          const values = t.read();
          // Every decoded tensor is bounded by the real buffer (expanded views aside, none here).
          expect(values.length * 4).toBeLessThanOrEqual(Math.max(bytes.length * 8, 1024));
          t.bytes();
        }
        outcomes.ok++;
      } catch (e) {
        if (!(e instanceof ConvkitError)) throw new Error(`case ${cases} (${name}) threw a non-ConvkitError: ${(e as Error)?.stack ?? e}`);
        messages.add(e.message.replace(/[\d@]+/g, '#').slice(0, 60));
        outcomes.rejected++;
      }
    }
    if (process.env.FUZZ_DEBUG) console.log(cases, outcomes, [...messages].join('\n'));
    expect(cases).toBeGreaterThanOrEqual(2000);
    expect(outcomes.rejected).toBeGreaterThan(cases / 4);
    // Many different checks fired, not one catch-all.
    expect(messages.size).toBeGreaterThan(15);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  }, 30_000);
});
