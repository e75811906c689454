import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { StateDictError, OptionError } from '@convkit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EncodedTensor, expectClose, toTensor } from '@convkit/test-utils';
import { readJson, tempDir } from '@convkit/test-utils/node';
import { fixture, Leaf, OtherNet, TinyNet } from './__fixtures__/tiny-net';
import { applyWeights, loadWeights, type LoadProgress } from './load-weights';
import { parseWeights } from './parse';
import { writeSafetensors } from './safetensors-write';
import { saveWeights } from './save-weights';

const ref = readJson<{ input: EncodedTensor; output: EncodedTensor; tensors: Record<string, EncodedTensor> }>(
  new URL('./__fixtures__/tiny-net.json', import.meta.url),
);

let before = 0;
let models: { dispose(): void }[] = [];
beforeEach(() => {
  before = tf.memory().numTensors;
  models = [];
});
afterEach(() => {
  for (const m of models) m.dispose();
  // Every test leaves the tensor count where it was: loads dispose what they create.
  expect(tf.memory().numTensors).toBe(before);
});

function tinyNet(classes?: number): TinyNet {
  const m = new TinyNet(classes);
  models.push(m);
  return m;
}

/** The model reproduces PyTorch's output: conv OIHW→HWIO, depthwise, BN buffers and the C,H,W flatten all right. */
function expectPyTorchOutput(model: TinyNet): void {
  const x = toTensor(ref.input);
  const y = model.predict(x);
  expectClose(y, ref.output, { rtol: 1e-5, atol: 1e-5 });
  tf.dispose([x, y]);
}

function expectTensors(model: TinyNet): void {
  for (const [key, t] of Object.entries(model.stateDict())) expectClose(t, ref.tensors[key], { rtol: 1e-6, atol: 1e-9 });
}

describe('loadWeights', () => {
  it('loads a torch.save state dict, converting layouts, and matches PyTorch output', async () => {
    const model = tinyNet();
    const before = tf.memory().numTensors;
    const result = await loadWeights(model, fixture('tiny-net.pth'));
    expect(tf.memory().numTensors).toBe(before);
    expect(result.format).toBe('pth');
    expect(result.loaded.sort()).toEqual(Object.keys(ref.tensors).sort());
    expectTensors(model);
    expect(model.stateDict()['bn1.num_batches_tracked'].dtype).toBe('int32');
    expect(model.stateDict()['bn1.num_batches_tracked'].dataSync()[0]).toBe(7);
    expectPyTorchOutput(model);
  });

  it.each(['tiny-net-nested.pth', 'tiny-net-dp.pth', 'tiny-net-deflated.pth', 'tiny-net.safetensors'])(
    'loads %s the same way',
    async (name) => {
      const model = tinyNet();
      await loadWeights(model, fixture(name));
      expectTensors(model);
    },
  );

  it('takes convkit-written tfjs-layout safetensors (layout metadata) as is, from a path, a Blob and an ArrayBuffer', async () => {
    const source = tinyNet();
    await loadWeights(source, fixture('tiny-net.pth'));
    const bytes = saveWeights(source, { layout: 'tfjs' });
    expect(parseWeights(bytes).metadata).toEqual({ format: 'convkit', layout: 'tfjs' });
    const path = join(tempDir('convkit-w-'), 'tiny.safetensors');
    writeFileSync(path, bytes);
    for (const input of [path, new Blob([bytes as Uint8Array<ArrayBuffer>]), bytes.slice().buffer]) {
      const model = tinyNet();
      await loadWeights(model, input);
      expectTensors(model);
    }
  });

  it('does not alias the caller buffer: changing it afterwards leaves the model alone', async () => {
    const bytes = fixture('tiny-net.safetensors');
    const model = tinyNet();
    await loadWeights(model, bytes);
    bytes.fill(0);
    expectTensors(model);
  });

  it('reports every missing, unexpected and mis-shaped key at once (strict)', () => {
    const model = tinyNet(7);
    const file = parseWeights(fixture('tiny-net.pth'), { name: 'tiny-net.pth' });
    file.tensors = file.tensors.filter((t) => t.key !== 'conv1.bias');
    file.tensors.push({ ...file.tensors[0], key: 'extra.weight' });
    let error: StateDictError | undefined;
    try {
      applyWeights(model, file);
    } catch (e) {
      error = e as StateDictError;
    }
    expect(error).toBeInstanceOf(StateDictError);
    expect(error!.where).toBe('loadWeights(tiny-net.pth)');
    expect(error!.missing).toEqual(['conv1.bias']);
    expect(error!.unexpected).toEqual(['extra.weight']);
    // In the file's layout: PyTorch's Linear weight is [out, in].
    expect(error!.mismatched).toEqual([
      { key: 'fc.weight', expected: [7, 16], actual: [5, 16] },
      { key: 'fc.bias', expected: [7], actual: [5] },
    ]);
    expect(error!.message).toBe(
      [
        'loadWeights(tiny-net.pth): state dict does not fit the module:',
        '  missing keys (1), in the module but not in the state dict:',
        '    conv1.bias',
        '  unexpected keys (1), in the state dict but not in the module:',
        '    extra.weight',
        "  shape mismatches (2), in PyTorch's layout (conv [out, in, kh, kw], linear [out, in]):",
        '    fc.weight: expected [7, 16], got [5, 16]',
        '    fc.bias: expected [7], got [5]',
      ].join('\n'),
    );
    // Nothing was written.
    expect(
      model
        .stateDict()
        ['conv1.weight'].dataSync()
        .every((v) => v === 0),
    ).toBe(true);
  });

  it('rejects a checkpoint of another architecture', async () => {
    const model = new OtherNet();
    models.push(model);
    await expect(loadWeights(model, fixture('tiny-net.pth'))).rejects.toThrow(
      /missing keys \(3\), in the module but not in the state dict:\n {4}features.weight\n {4}classifier.weight\n {4}classifier.bias\n/,
    );
  });

  it("lists the first keys of each kind, counts the rest, and gives shapes in the file's layout", () => {
    const file = parseWeights(fixture('tiny-net.pth'), { name: 'tiny-net.pth' });
    // A 1×1 conv where the model has a 3×3 one, and ten tensors the model has no place for.
    file.tensors = file.tensors.map((t) => (t.key === 'conv1.weight' ? { ...t, shape: [4, 3, 1, 1] } : t));
    for (let i = 0; i < 10; i++) file.tensors.push({ ...file.tensors[0], key: `extra.${i}.weight` });
    let error: StateDictError | undefined;
    try {
      applyWeights(tinyNet(), file);
    } catch (e) {
      error = e as StateDictError;
    }
    expect(error).toBeInstanceOf(StateDictError);
    expect(error!.message.split('\n').slice(1)).toEqual([
      '  unexpected keys (10), in the state dict but not in the module:',
      '    extra.0.weight',
      '    extra.1.weight',
      '    extra.2.weight',
      '    … and 7 more',
      "  shape mismatches (1), in PyTorch's layout (conv [out, in, kh, kw], linear [out, in]):",
      '    conv1.weight: expected [4, 3, 3, 3], got [4, 3, 1, 1]',
    ]);
    // The fields keep everything: all the keys, and the file's keys with their shapes.
    expect(error!.unexpected).toHaveLength(10);
    expect(error!.layout).toBe('pytorch');
    expect(error!.shapes?.['conv1.weight']).toEqual([4, 3, 1, 1]);
    expect(error!.shapes?.['fc.weight']).toEqual([5, 16]);
    expect(Object.keys(error!.shapes ?? {})).toHaveLength(file.tensors.length);
  });

  it("describes a convkit tfjs-layout file in convkit's layout", () => {
    const file = parseWeights(saveWeights(tinyNet(7), { layout: 'tfjs' }), { name: 'seven.safetensors' });
    expect(() => applyWeights(tinyNet(), file)).toThrow(
      "shape mismatches (2), in convkit's tfjs layout (conv [kh, kw, in, out], linear [in, out]):\n    fc.weight: expected [16, 5], got [16, 7]",
    );
  });

  it('loads a different head size only when asked, and says what it skipped', async () => {
    const model = tinyNet(10);
    await expect(loadWeights(model, fixture('tiny-net.pth'))).rejects.toThrow(StateDictError);
    const result = await loadWeights(model, fixture('tiny-net.pth'), { allowHeadMismatch: ['fc'] });
    expect(result.skipped.map((s) => s.key)).toEqual(['fc.weight', 'fc.bias']);
    expect(
      model
        .stateDict()
        ['fc.weight'].dataSync()
        .every((v) => v === 0),
    ).toBe(true);
    expectClose(model.stateDict()['conv1.weight'], ref.tensors['conv1.weight'], { rtol: 1e-6, atol: 1e-9 });
  });

  it('ignore drops keys on both sides, rename maps keys, strict: false tolerates leftovers', async () => {
    const model = tinyNet(10);
    const ignored = await loadWeights(model, fixture('tiny-net.pth'), { ignore: ['fc', /^dw\./] });
    expect(ignored.ignored.sort()).toEqual(['dw.weight', 'fc.bias', 'fc.weight']);
    expect(ignored.missing).toEqual([]);
    const renamed = await loadWeights(tinyNet(), fixture('tiny-net.pth'), { rename: (k) => k.replace(/^bn1\./, 'norm.'), strict: false });
    expect(renamed.unexpected.filter((k) => k.startsWith('norm.')).length).toBe(5);
    expect(renamed.missing.sort()).toEqual(['bn1.bias', 'bn1.num_batches_tracked', 'bn1.running_mean', 'bn1.running_var', 'bn1.weight']);
  });

  it('accepts checkpoints without num_batches_tracked, as PyTorch does', () => {
    const file = parseWeights(fixture('tiny-net.pth'));
    file.tensors = file.tensors.filter((t) => !t.key.endsWith('num_batches_tracked'));
    const result = applyWeights(tinyNet(), file);
    expect(result.missing).toEqual(['bn1.num_batches_tracked']);
  });

  it('reports load progress and rejects unusable sources', async () => {
    const events: LoadProgress[] = [];
    await loadWeights(tinyNet(), fixture('tiny-net.pth'), { onProgress: (e) => events.push(e) });
    expect(events.length).toBe(10);
    expect(events.at(-1)).toMatchObject({ phase: 'load', loaded: 10, total: 10 });
    await expect(loadWeights(tinyNet(), 42 as never)).rejects.toThrow(OptionError);
    await expect(loadWeights(tinyNet(), '/nonexistent/file.pth')).rejects.toThrow(/cannot read the file/);
  });

  it('reads a tfjs weights manifest (model.json + shards), including uint8 quantization', async () => {
    const weights = { 'conv1.weight': toTensor(ref.tensors['conv1.weight']), 'conv1.bias': toTensor(ref.tensors['conv1.bias']) };
    const f32 = new Uint8Array(new Float32Array([...weights['conv1.weight'].dataSync(), ...weights['conv1.bias'].dataSync()]).buffer);
    tf.dispose(Object.values(weights));
    const quantized = new Uint8Array([0, 1, 255]); // scale 0.5, min -1 → [-1, -0.5, 126.5]
    const manifest = {
      weightsManifest: [
        {
          paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
          weights: [
            { name: 'conv1.weight', shape: [3, 3, 3, 4], dtype: 'float32' },
            { name: 'conv1.bias', shape: [4], dtype: 'float32' },
          ],
        },
        { paths: ['q.bin'], weights: [{ name: 'q', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } }] },
      ],
    };
    const shards: Record<string, Uint8Array> = {
      'group1-shard1of2.bin': f32.slice(0, 100),
      'group1-shard2of2.bin': f32.slice(100),
      'q.bin': quantized,
    };
    const dir = tempDir('convkit-m-');
    writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
    for (const [k, v] of Object.entries(shards)) writeFileSync(join(dir, k), v);
    const model = tinyNet();
    const result = await loadWeights(model, join(dir, 'model.json'), { strict: false });
    expect(result.format).toBe('tfjs-manifest');
    expect(result.unexpected).toEqual(['q']);
    expectClose(model.stateDict()['conv1.weight'], ref.tensors['conv1.weight'], { rtol: 1e-6, atol: 1e-9 });
    const { parseTfjsManifest } = await import('./tfjs-manifest');
    const file = await parseTfjsManifest(manifest, async (p) => shards[p]);
    expect(Array.from(file.tensors[2].read())).toEqual([-1, -0.5, 126.5]);
    await expect(parseTfjsManifest(manifest, async (p) => shards[p].subarray(0, 10))).rejects.toThrow(
      /shards hold \d+ bytes, the weights need/,
    );
    await expect(loadWeights(tinyNet(), new TextEncoder().encode(JSON.stringify(manifest)))).rejects.toThrow(/pass loadShard/);
  });

  it('decides square weights by the file layout: PyTorch files are transposed, convkit files taken as is', () => {
    const model = new Leaf({ weight: [2, 2] });
    models.push(model);
    const w = tf.tensor([
      [1, 2],
      [3, 4],
    ]);
    applyWeights(model, parseWeights(writeSafetensors({ weight: w })));
    expect(Array.from(model.stateDict().weight.dataSync())).toEqual([1, 3, 2, 4]);
    applyWeights(model, parseWeights(writeSafetensors({ weight: w }, { metadata: { format: 'convkit', layout: 'tfjs' } })));
    expect(Array.from(model.stateDict().weight.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose(w);
  });
});
