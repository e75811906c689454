import { FormatError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { inspectWeights } from './inspect';
import { openWeights } from './source';

const encode = (json: unknown) => new TextEncoder().encode(typeof json === 'string' ? json : JSON.stringify(json));

describe('a tfjs model.json given as bytes', () => {
  const manifest = {
    weightsManifest: [
      { paths: ['a.bin'], weights: [{ name: 'conv.weight', shape: [3, 3, 1, 2], dtype: 'float32' }] },
      { paths: ['q.bin'], weights: [{ name: 'q', shape: [5], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } }] },
    ],
  };

  it('inspectWeights lists its tensors as stored, without shards', () => {
    expect(inspectWeights(encode(manifest), { name: 'model.json' })).toEqual({
      format: 'tfjs-manifest',
      metadata: {},
      tensors: [
        { key: 'conv.weight', dtype: 'F32', shape: [3, 3, 1, 2] },
        { key: 'q', dtype: 'U8', shape: [5] },
      ],
      totalBytes: 18 * 4 + 5,
    });
  });

  it('inspectWeights and openWeights reject text that is not JSON the same way', async () => {
    const broken = encode('{"weightsManifest": [');
    expect(() => inspectWeights(broken, { name: 'model.json' })).toThrow(FormatError);
    expect(() => inspectWeights(broken, { name: 'model.json' })).toThrow(/^model\.json: not valid JSON \(/);
    await expect(openWeights(broken, { name: 'model.json', loadShard: async () => new Uint8Array() })).rejects.toThrow(
      /^model\.json: not valid JSON \(/,
    );
  });
});
