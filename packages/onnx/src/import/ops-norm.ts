import * as tf from '@tensorflow/tfjs-core';
import { input, type OpContext, type OpRunner } from './op-context';
import { broadcastNhwc, nhwc, onnxLayout, plain } from './values';

// Normalization ops beyond BatchNormalization (which lives with Conv for fusion): LayerNormalization.

/** Scale or B (input `i`), checked to broadcast against the normalized trailing dims of `x` (ONNX layout). */
function affine(ctx: OpContext, i: number, normalized: number[], onNhwc: boolean): tf.Tensor | undefined {
  const v = ctx.inputs[i];
  if (!v) return undefined;
  const t = onnxLayout(v);
  const trailing = normalized.slice(normalized.length - t.rank);
  if (t.rank > normalized.length || t.shape.some((d, k) => d !== 1 && d !== trailing[k]))
    ctx.attrs.fail(`input ${i} of shape [${t.shape}] does not broadcast to the normalized shape [${normalized}]`);
  return onNhwc ? broadcastNhwc(t) : t;
}

/**
 * `(x − mean) / √(var + ε) · Scale + B` over the axes from `axis` on (ONNX's NCHW order). An NHWC
 * map normalized over C, H and W together stays NHWC; other axes run in ONNX's layout.
 */
const layerNormalization: OpRunner = (ctx) => {
  ctx.attrs.only(['axis', 'epsilon', 'stash_type']);
  const stash = ctx.attrs.int('stash_type', 1);
  if (stash !== 1) ctx.attrs.fail(`only float32 statistics are supported (stash_type 1), got ${stash}`, 'stash_type');
  const x = input(ctx, 0);
  const rank = x.tensor.rank;
  const given = ctx.attrs.int('axis', -1);
  if (given < -rank || given >= rank)
    ctx.attrs.fail(`expected an axis in [${-rank}, ${rank - 1}] for a rank-${rank} input, got ${given}`, 'axis');
  const axis = given < 0 ? given + rank : given;
  const onNhwc = x.nhwc && axis <= 1;
  const t = onNhwc ? x.tensor : onnxLayout(x);
  const shape = x.nhwc ? [0, 3, 1, 2].map((d) => x.tensor.shape[d] as number) : x.tensor.shape;
  const normalized = shape.slice(axis);
  const [scale, bias] = [affine(ctx, 1, normalized, onNhwc), affine(ctx, 2, normalized, onNhwc)];
  const axes = Array.from({ length: rank - axis }, (_, k) => axis + k);
  const mean = tf.mean(t, axes, true);
  const centered = tf.sub(t, mean);
  const invStdDev = tf.rsqrt(tf.add(tf.mean(tf.square(centered), axes, true), ctx.attrs.float('epsilon', 1e-5)));
  const normed = tf.mul(centered, invStdDev);
  const scaled = scale ? tf.mul(normed, scale) : normed;
  const y = bias ? tf.add(scaled, bias) : scaled;
  // Mean and InvStdDev keep only the leading (batch) dims: the same numbers in either layout.
  return [onNhwc ? nhwc(y) : plain(y), plain(mean), plain(invStdDev)];
};

export const normOps: Record<string, OpRunner> = { LayerNormalization: layerNormalization };
