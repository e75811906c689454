import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d } from '@convkit/regularization';
import protobuf from 'protobufjs/light.js';
import { exportOnnx } from '../export-onnx';
import schema from '../onnx-schema.json';

// Test helpers only (imported by the *.test.ts files, never by the package's entry).

/** conv 1→2 3×3 (weight[o, 0, i, j] = 100·o + 10·i + j) → BN → ReLU → max pool 2 → flatten → linear 8→3. */
export function tinyNet(): Sequential {
  const net = new Sequential(
    new Conv2d(1, 2, 3, { padding: 1 }),
    new BatchNorm2d(2),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Flatten(),
    new Linear(8, 3),
  );
  const [, weight] = net.namedParameters().find(([k]) => k === '0.weight') as [string, tf.Variable];
  // tfjs keeps conv weights [kh, kw, in, out]: value [i, j, 0, o] is PyTorch's [o, 0, i, j].
  weight.assign(
    tf.tidy(() =>
      tf.tensor4d(
        Array.from({ length: 18 }, (_, k) => 100 * (k % 2) + 10 * Math.floor(k / 6) + (Math.floor(k / 2) % 3)),
        [3, 3, 1, 2],
      ),
    ),
  );
  return net;
}

/** The tiny net exported by convkit (opset 17, dynamic batch, input [batch, 1, 4, 4]). */
export async function tinyExport(): Promise<Uint8Array> {
  const net = tinyNet();
  try {
    return await exportOnnx(net, { inputShape: [1, 1, 4, 4] });
  } finally {
    net.dispose();
  }
}

const modelType = protobuf.Root.fromJSON(schema as protobuf.INamespace).lookupType('onnx.ModelProto');

// protobufjs messages are untyped.
export type ProtoModel = any;

/** Decodes a file with ONNX's schema, lets `change` edit the message, encodes it again. */
export function edited(bytes: Uint8Array, change: (model: ProtoModel) => void): Uint8Array {
  const model = modelType.decode(bytes);
  change(model);
  return modelType.encode(model).finish();
}

/** A TensorProto for the tests: raw little-endian bytes or a typed field. */
export const tensorProto = (fields: Record<string, unknown>) => ({ dims: [], dataType: 1, ...fields });
