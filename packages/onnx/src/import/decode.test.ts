import { ConvkitError } from '@convkit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxFormatError, UnsupportedOnnxError } from '../errors';
import { decodeOnnxModel } from './decode';
import type { OnnxTensor } from './decode-tensor';
import { edited, type ProtoModel, tensorProto, tinyExport } from './decode-fixtures';
import { inspectOnnx, looksLikeOnnx } from './inspect';

const valuesOf = (t: OnnxTensor | undefined): (number | bigint)[] => (t ? [...t.values] : []);

let tiny: Uint8Array;
beforeAll(async () => {
  tiny = await tinyExport();
});

const le = (values: number[], Typed: Float32ArrayConstructor | Float64ArrayConstructor | Uint16ArrayConstructor) =>
  new Uint8Array(new Typed(values).buffer);
const withInitializer = (t: object) => edited(tiny, (m: ProtoModel) => m.graph.initializer.push(t));

/** The error decoding `bytes` throws, checked to be of `type` and to mention every `parts`. */
function refusal(bytes: Uint8Array, type: new (...args: never[]) => ConvkitError, parts: (string | RegExp)[], options = {}): string {
  let error: unknown;
  try {
    decodeOnnxModel(bytes, options);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(type);
  const message = (error as Error).message;
  for (const part of parts) expect(message).toMatch(part);
  return message;
}

describe('decodeOnnxModel: a real export', () => {
  it("reads convkit's export of a conv/BN/pool/linear net: opset, io with symbolic batch, nodes, initializers", () => {
    const m = decodeOnnxModel(tiny);
    expect(m).toMatchObject({ irVersion: 8, opset: 17, producer: { name: 'convkit' }, graphName: 'Sequential', customOps: [] });
    expect(m.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: ['batch', 1, 4, 4] }]);
    expect(m.outputs).toEqual([{ name: 'output', dtype: 'float32', shape: ['batch', 3] }]);
    expect(m.nodes.map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Relu', 'MaxPool', 'Flatten', 'Gemm']);
    expect(m.nodes[0]).toMatchObject({ name: '/0/Conv', domain: '', inputs: ['input', '0.weight', '0.bias'] });
    expect(m.nodes[0].attributes).toMatchObject({ kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 1 });
    expect(m.nodes[1].attributes.epsilon).toBeCloseTo(1e-5, 10);
    expect([...m.initializers.keys()]).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '1.running_mean',
      '1.running_var',
      '5.weight',
      '5.bias',
    ]);
    // PyTorch's layout [out, in, kh, kw], values set by hand: 100·o + 10·i + j.
    const w = m.initializers.get('0.weight');
    expect(w?.dims).toEqual([2, 1, 3, 3]);
    expect(valuesOf(w)).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22, 100, 101, 102, 110, 111, 112, 120, 121, 122]);
    expect(valuesOf(m.initializers.get('1.running_var'))).toEqual([1, 1]);
    expect(m.initializers.get('5.weight')?.dims).toEqual([3, 8]);
  });

  it('converts float16 and double to float32, keeps int64 exact and reads typed fields as well as raw data', () => {
    const bytes = edited(tiny, (m: ProtoModel) => {
      m.graph.initializer.push(
        // 1, −2.5, 65504 (largest half), 2^-24 (smallest subnormal), −0
        tensorProto({ name: 'h', dims: [5], dataType: 10, rawData: le([0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000], Uint16Array) }),
        tensorProto({ name: 'h2', dims: [2], dataType: 10, int32Data: [0x3c00, 0xc100] }),
        tensorProto({ name: 'd', dims: [2], dataType: 11, rawData: le([0.1, -1e40], Float64Array) }),
        tensorProto({ name: 'd2', dims: [1], dataType: 11, doubleData: [2.5] }),
        tensorProto({ name: 'i', dims: [2], dataType: 7, int64Data: ['9223372036854775807', -3] }),
        tensorProto({ name: 'b', dims: [3], dataType: 9, rawData: new Uint8Array([0, 1, 7]) }),
        tensorProto({ name: 'u', dims: [2], dataType: 2, int32Data: [255, 3] }),
        tensorProto({ name: 's8', dims: [2], dataType: 3, rawData: new Uint8Array([0xff, 0x80]) }),
        tensorProto({ name: 'f', dims: [2, 0], dataType: 1 }),
      );
    });
    const t = decodeOnnxModel(bytes).initializers;
    expect(valuesOf(t.get('h'))).toEqual([1, -2.5, 65504, 2 ** -24, -0]);
    expect(t.get('h')).toMatchObject({ dtype: 'float32', sourceDtype: 'float16' });
    expect(valuesOf(t.get('h2'))).toEqual([1, -2.5]);
    expect(valuesOf(t.get('d'))).toEqual([Math.fround(0.1), Number.NEGATIVE_INFINITY]);
    expect(valuesOf(t.get('d2'))).toEqual([2.5]);
    expect(valuesOf(t.get('i'))).toEqual([2n ** 63n - 1n, -3n]);
    expect(valuesOf(t.get('b'))).toEqual([0, 1, 1]);
    expect(valuesOf(t.get('u'))).toEqual([255, 3]);
    expect(valuesOf(t.get('s8'))).toEqual([-1, -128]);
    expect(t.get('f')).toMatchObject({ dims: [2, 0], values: new Float32Array(0) });
  });

  it('puts nodes written out of order into execution order', () => {
    const bytes = edited(tiny, (m: ProtoModel) => m.graph.node.reverse());
    expect(decodeOnnxModel(bytes).nodes.map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Relu', 'MaxPool', 'Flatten', 'Gemm']);
  });

  it('lists custom ops with customOps: "report" and refuses them by default', () => {
    const bytes = edited(tiny, (m: ProtoModel) => Object.assign(m.graph.node[2], { domain: 'com.microsoft', opType: 'FusedRelu' }));
    expect(decodeOnnxModel(bytes, { customOps: 'report' }).customOps).toEqual([
      { node: '/2/Relu', opType: 'FusedRelu', domain: 'com.microsoft' },
    ]);
    refusal(bytes, UnsupportedOnnxError, ["node '/2/Relu' (FusedRelu)", "domain 'com.microsoft'"]);
  });
});

describe('inspectOnnx and looksLikeOnnx', () => {
  it('summarises the tiny export: 6 ops once each, 18 + 2 + 4·2 + 24 + 3 = 55 values in 8 initializers', () => {
    const info = inspectOnnx(tiny);
    expect(info).toMatchObject({ opset: 17, nodeCount: 6, parameterCount: 55, initializerBytes: 220, initializerCount: 8 });
    expect(info.ops).toEqual(['BatchNormalization', 'Conv', 'Flatten', 'Gemm', 'MaxPool', 'Relu'].map((op) => [op, 1]));
  });

  it('tells ONNX from safetensors (an 8-byte header length) and zips by the first bytes', () => {
    expect(looksLikeOnnx(tiny)).toBe(true);
    expect(looksLikeOnnx(new Uint8Array([0x08, 0x01, 0, 0, 0, 0, 0, 0, 0x7b]))).toBe(false);
    expect(looksLikeOnnx(new Uint8Array([0x50, 0x4b, 0x03, 0x04]))).toBe(false);
  });
});

describe('decodeOnnxModel: external data', () => {
  // The linear's weight moved out of the file, as torch writes > 2 GB models.
  const external = (location: string, offset: number, length: number) =>
    edited(tiny, (m: ProtoModel) => {
      const w = m.graph.initializer.find((t: ProtoModel) => t.name === '5.weight');
      w.rawData = new Uint8Array(0);
      w.dataLocation = 1;
      w.externalData = [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ];
    });
  const data = new Uint8Array(16 + 96);
  new Float32Array(data.buffer, 16, 24).set(Array.from({ length: 24 }, (_, i) => i / 4));

  it("refuses a location it was not handed, naming it ('../../etc/passwd' is never opened)", () => {
    const bytes = external('../../etc/passwd', 16, 96);
    const message = refusal(bytes, OnnxFormatError, ["initializer '5.weight'", "external file '../../etc/passwd'", 'not handed over']);
    expect(message).toMatch("externalData['../../etc/passwd']");
    // A different key is still no match: locations are compared as exact strings, never resolved as paths.
    refusal(bytes, OnnxFormatError, ['not handed over'], { externalData: { '/etc/passwd': data, 'etc/passwd': data } });
    // Nor are names every object has: only the record's own keys count.
    refusal(external('__proto__', 0, 96), OnnxFormatError, ["external file '__proto__'"], { externalData: {} });
    refusal(external('constructor', 0, 96), OnnxFormatError, ["external file 'constructor'"], { externalData: {} });
  });

  it('reads the range from the bytes handed over under that key', () => {
    const m = decodeOnnxModel(external('../../etc/passwd', 16, 96), { externalData: { '../../etc/passwd': data } });
    expect(valuesOf(m.initializers.get('5.weight'))).toEqual(Array.from({ length: 24 }, (_, i) => i / 4));
  });

  it('refuses a range outside the external file or of the wrong size', () => {
    const externalData = { 'w.bin': data };
    refusal(external('w.bin', 100, 96), OnnxFormatError, ["initializer '5.weight'", "outside 'w.bin' (112 bytes)"], { externalData });
    refusal(external('w.bin', 0, 64), OnnxFormatError, ['need 96 bytes', 'external range holds 64'], { externalData });
    refusal(external('w.bin', -4, 96), OnnxFormatError, ['offset -4'], { externalData });
  });
});

describe('decodeOnnxModel: hostile and broken files give typed errors naming the place', () => {
  it('truncated or corrupted protobuf, and files over maxBytes', () => {
    refusal(tiny.slice(0, tiny.length >> 1), OnnxFormatError, ['model.onnx', 'not a valid ONNX protobuf']);
    refusal(new Uint8Array([0x08, 0x08, 0x3a, 0xff, 0xff, 0xff, 0x0f]), OnnxFormatError, ['not a valid ONNX protobuf']);
    refusal(new Uint8Array([0x9f, 0x06, 1, 2]), OnnxFormatError, ['not a valid ONNX protobuf', /wire type/]);
    refusal(tiny, OnnxFormatError, [`${tiny.length} bytes, more than the limit of 100`], { maxBytes: 100 });
    refusal(new Uint8Array(0), OnnxFormatError, ['IR version 0']);
  });

  it('memory bombs: 2 bytes that cost protobufjs an object each are refused before decoding', () => {
    const varint = (n: number) => {
      const out: number[] = [];
      for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
      return [...out, n];
    };
    const n = 1_000_000;
    const model = (graph: Uint8Array) => new Uint8Array([0x08, 0x08, 0x42, 0x02, 0x10, 0x11, 0x3a, ...varint(graph.length), ...graph]);
    // A million empty NodeProtos (0x0a 0x00): 2 MB that would be ~150 MB of objects.
    const nodes = new Uint8Array(2 * n).map((_, i) => (i % 2 ? 0 : 0x0a));
    refusal(model(nodes), OnnxFormatError, [
      'model.onnx',
      '2000010 bytes would decode to more than 72 MiB of objects (at GraphProto.node)',
      'memory bomb',
    ]);
    // An initializer whose packed int64_data holds two million 1-byte varints: a Long (~60 B) each.
    const tensor = [0x08, 0x01, 0x10, 0x07, 0x3a, ...varint(2 * n), ...new Uint8Array(2 * n).fill(1)];
    const graph = new Uint8Array([0x2a, ...varint(tensor.length), ...tensor]);
    refusal(model(graph), OnnxFormatError, ['(at TensorProto.int64Data)', 'memory bomb']);
  });

  it('nesting deep enough to overflow the stack (graph → node → attribute → graph …) is a typed error too', () => {
    // Only headers: each level is a tag and the length of everything inside it, computed inside out.
    const varint = (n: number) => {
      const out: number[] = [];
      for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
      return [...out, n];
    };
    const headers: number[][] = [];
    let inner = 0;
    for (let level = 0; level < 3 * 20000; level++) {
      const header = [[0x32, 0x2a, 0x0a][level % 3], ...varint(inner)]; // attribute.g, node.attribute, graph.node
      headers.push(header);
      inner += header.length;
    }
    const model = new Uint8Array([0x08, 0x08, 0x3a, ...varint(inner), ...headers.reverse().flat()]);
    refusal(model, OnnxFormatError, ['not a valid ONNX protobuf']);
  });

  it("a tensor whose dims do not match its data, or declare more than the file's size", () => {
    const dims = (d: number[]) => edited(tiny, (m: ProtoModel) => (m.graph.initializer[0].dims = d));
    refusal(dims([2, 1, 3, 4]), OnnxFormatError, ["initializer '0.weight'", 'need 96 bytes of data, the raw data holds 72']);
    refusal(dims([1e6, 1000]), OnnxFormatError, ["initializer '0.weight'", 'declare 4000000000 bytes, more than the whole file']);
    refusal(withInitializer(tensorProto({ name: 'few', dims: [3], floatData: [1, 2] })), OnnxFormatError, [
      "'few'",
      'declare 3 elements, floatData holds 2',
    ]);
  });

  it('absurd dimensions: negative, beyond 2^31 elements, beyond 2^53', () => {
    const dims = (d: unknown[]) => edited(tiny, (m: ProtoModel) => (m.graph.initializer[1].dims = d));
    refusal(dims([-2]), OnnxFormatError, ["initializer '0.bias'", 'negative']);
    refusal(dims([65536, 65536]), OnnxFormatError, ["initializer '0.bias'", 'more than 2^31 elements']);
    refusal(dims(['9007199254740993']), OnnxFormatError, ["initializer '0.bias'", 'non-integer']);
    const input = edited(tiny, (m: ProtoModel) => (m.graph.input[0].type.tensorType.shape.dim[2].dimValue = -4));
    refusal(input, OnnxFormatError, ["graph input 'input'", 'negative']);
  });

  it('a cycle, a value used but never defined, a value defined twice, an output nobody makes', () => {
    // Conv reads the ReLU's output: Conv → BN → ReLU → Conv.
    const cycle = edited(tiny, (m: ProtoModel) => (m.graph.node[0].input[0] = '/2/Relu_output_0'));
    refusal(cycle, OnnxFormatError, [
      "node '/0/Conv' (Conv) → node '/1/BatchNormalization' (BatchNormalization) → node '/2/Relu' (Relu) → node '/0/Conv'",
      'cycle',
    ]);
    const self = edited(tiny, (m: ProtoModel) => (m.graph.node[2].input[0] = '/2/Relu_output_0'));
    refusal(self, OnnxFormatError, ["node '/2/Relu' (Relu) → node '/2/Relu' (Relu)"]);
    const undefinedInput = edited(tiny, (m: ProtoModel) => (m.graph.node[3].input[0] = 'nowhere'));
    refusal(undefinedInput, OnnxFormatError, ["node '/3/MaxPool' (MaxPool)", "input 'nowhere' is not defined"]);
    const twice = edited(tiny, (m: ProtoModel) => (m.graph.node[3].output[0] = '/1/BatchNormalization_output_0'));
    refusal(twice, OnnxFormatError, [
      "node '/3/MaxPool'",
      "output '/1/BatchNormalization_output_0' is already defined by node '/1/BatchNormalization'",
    ]);
    const shadow = edited(tiny, (m: ProtoModel) => (m.graph.node[0].output[0] = '0.weight'));
    refusal(shadow, OnnxFormatError, ["node '/0/Conv'", "output '0.weight' is already defined by a graph input or initializer"]);
    const missing = edited(tiny, (m: ProtoModel) => (m.graph.output[0].name = 'logits'));
    refusal(missing, OnnxFormatError, ["graph output 'logits'", 'not produced']);
  });

  it('opsets below 7 or above 21, or no opset of the default domain', () => {
    const opset = (v: number, domain = '') => edited(tiny, (m: ProtoModel) => (m.opsetImport = [{ domain, version: v }]));
    refusal(opset(6), OnnxFormatError, ['opset_import', 'opset 6 is outside the supported range 7–21']);
    refusal(opset(22), OnnxFormatError, ['opset 22 is outside']);
    refusal(opset(17, 'ai.onnx.ml'), OnnxFormatError, ["expected one opset of ONNX's default domain, found 0"]);
    expect(decodeOnnxModel(opset(7, 'ai.onnx')).opset).toBe(7);
  });

  it('data types convkit does not read, named with the tensor (initializers and Constant tensors)', () => {
    refusal(withInitializer(tensorProto({ name: 'names', dims: [1], dataType: 8, stringData: [new Uint8Array([97])] })), OnnxFormatError, [
      "initializer 'names'",
      'data type string is not supported',
    ]);
    refusal(withInitializer(tensorProto({ name: 'bf', dims: [1], dataType: 16, rawData: new Uint8Array(2) })), OnnxFormatError, [
      "'bf'",
      'bfloat16',
    ]);
    const constant = edited(tiny, (m: ProtoModel) =>
      m.graph.node.push({
        name: 'c',
        opType: 'Constant',
        output: ['c_out'],
        attribute: [{ name: 'value', type: 4, t: tensorProto({ dims: [4], dataType: 12, rawData: new Uint8Array(16) }) }],
      }),
    );
    refusal(constant, OnnxFormatError, ["node 'c' (Constant) attribute 'value'", 'data type uint32']);
  });

  it('other malformed structures: no graph, unnamed or duplicate initializers, attributes named twice', () => {
    refusal(
      edited(tiny, (m: ProtoModel) => (m.graph = null)),
      OnnxFormatError,
      ['graph', 'no graph'],
    );
    refusal(withInitializer(tensorProto({ name: '0.bias', dims: [1], floatData: [1] })), OnnxFormatError, [
      "initializer '0.bias'",
      'named twice',
    ]);
    const twice = edited(tiny, (m: ProtoModel) => m.graph.node[4].attribute.push({ name: 'axis', type: 2, i: 2 }));
    refusal(twice, OnnxFormatError, ["node '/4/Flatten' (Flatten) attribute 'axis'", 'named twice']);
  });
});
