import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { fixture, TinyNet } from './__fixtures__/tiny-net';
import { loadWeights } from './load-weights';
import { parseWeights } from './parse';
import { saveWeights } from './save-weights';

describe('saveWeights', () => {
  it("writes PyTorch's layout by default: the same tensors as the state dict PyTorch saved", async () => {
    // tiny-net.safetensors holds torch's own state_dict (OIHW conv and depthwise, [out, C·H·W] linear).
    const model = new TinyNet();
    await loadWeights(model, fixture('tiny-net.pth'));
    const saved = parseWeights(saveWeights(model), { name: 'saved.safetensors' });
    const torch = parseWeights(fixture('tiny-net.safetensors'), { name: 'tiny-net.safetensors' });
    expect(saved.metadata).toEqual({ format: 'pt', layout: 'pytorch' });
    expect(saved.layout).toBe('pytorch');
    expect(saved.tensors.map((t) => t.key).sort()).toEqual(torch.tensors.map((t) => t.key).sort());
    for (const t of torch.tensors) {
      const mine = saved.tensors.find((s) => s.key === t.key)!;
      expect(mine.shape, t.key).toEqual(t.shape);
      expect(Array.from(mine.read()), t.key).toEqual(Array.from(t.read()));
    }
    model.dispose();
  });

  it('round-trips through loadWeights in both layouts and leaves no tensors behind', async () => {
    const source = new TinyNet();
    await loadWeights(source, fixture('tiny-net.pth'));
    const before = tf.memory().numTensors;
    for (const layout of ['pytorch', 'tfjs'] as const) {
      const bytes = saveWeights(source, { layout });
      const copy = new TinyNet();
      await loadWeights(copy, bytes);
      for (const [key, t] of Object.entries(source.stateDict()))
        expect(Array.from(copy.stateDict()[key].dataSync()), key).toEqual(Array.from(t.dataSync()));
      copy.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => saveWeights(source, { layout: 'nchw' as never })).toThrow(OptionError);
    // A file path where the options go (JavaScript callers) is an error, not an ignored argument.
    expect(() => saveWeights(source, 'model.safetensors' as never)).toThrow(
      /^saveWeights\.options: expected an options object, got the string 'model\.safetensors'; saveWeights returns the bytes/,
    );
    source.dispose();
  });
});
