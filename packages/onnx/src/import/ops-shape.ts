import * as tf from '@tensorflow/tfjs-core';
import { input, knownInts, type OpRunner } from './op-context';
import { onnxLayout, plain } from './values';

// Shape arithmetic: Reshape, Shape, Gather, Slice, Unsqueeze, Squeeze, Cast and the like.

const reshape: OpRunner = (ctx) => {
  ctx.attrs.only(['allowzero']);
  const x = input(ctx, 0);
  const t = onnxLayout(x);
  const target = knownInts(ctx, 1, 'shape').map((d, i) => (d === 0 && ctx.attrs.int('allowzero', 0) === 0 ? t.shape[i] : d));
  const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  if (target.includes(-1) ? t.size % known !== 0 : known !== t.size)
    ctx.attrs.fail(`cannot reshape [${t.shape}] to [${target}] (was the batch size baked into the export?)`);
  return [plain(tf.reshape(t, target))];
};

export const shapeOps: Record<string, OpRunner> = { Reshape: reshape };
