import * as tf from '@tensorflow/tfjs-core';
import { input, type OpRunner } from './op-context';
import { asNhwc, nhwc, onnxShape } from './values';

// Resize of a rank-4 map by integer factors of H and W: nearest as torch's Upsample(mode='nearest')
// exports it (asymmetric, floor), and linear with half_pixel / pytorch_half_pixel / align_corners.

const LINEAR_COORDINATES = ['half_pixel', 'pytorch_half_pixel', 'align_corners'];

/** At an integer factor, both forms pick source pixel ⌊y / s⌋. */
const nearestExact = (coordinates: string, rounding: string) =>
  (coordinates === 'asymmetric' && rounding === 'floor') ||
  (['half_pixel', 'pytorch_half_pixel'].includes(coordinates) && rounding.startsWith('round_prefer_'));

const resize: OpRunner = (ctx) => {
  const a = ctx.attrs;
  a.only([
    'mode',
    'coordinate_transformation_mode',
    'nearest_mode',
    'cubic_coeff_a',
    'exclude_outside',
    'extrapolation_value',
    'antialias',
    'keep_aspect_ratio_policy',
  ]);
  if (a.int('exclude_outside', 0) !== 0) a.fail('only 0 is supported', 'exclude_outside');
  if (a.int('antialias', 0) !== 0) a.fail('only 0 is supported', 'antialias');
  if (a.string('keep_aspect_ratio_policy', 'stretch') !== 'stretch') a.fail("only 'stretch' is supported", 'keep_aspect_ratio_policy');
  const x = input(ctx, 0);
  const dims = onnxShape(x);
  if (dims.length !== 4) a.fail(`only rank-4 maps are supported, got rank ${dims.length}`);
  // Opset 10: (X, scales); 11+: (X, roi, scales, sizes), an empty scales when sizes are given.
  const scalesIn = ctx.known(ctx.opset >= 11 ? 2 : 1);
  const sizesIn = ctx.opset >= 11 ? ctx.known(3) : undefined;
  const scales = scalesIn?.values.length
    ? Array.from(scalesIn.values)
    : sizesIn?.values.length === 4
      ? Array.from(sizesIn.values, (s, i) => s / (dims[i] as number))
      : a.fail('scales or sizes must be known (constants or computed from shapes) with 4 values', 'scales');
  const [sn, sc, sh, sw] = scales as [number, number, number, number];
  if (sn !== 1 || sc !== 1 || !Number.isInteger(sh) || !Number.isInteger(sw) || sh < 1 || sw < 1)
    a.fail(`only integer up-scales of H and W are supported, got scales [${scales}]`, scalesIn?.values.length ? 'scales' : 'sizes');
  const mode = a.string('mode', 'nearest');
  const coordinates = ctx.opset >= 11 ? a.string('coordinate_transformation_mode', 'half_pixel') : 'asymmetric';
  const t = asNhwc(x);
  const [n, h, w, c] = t.shape;
  if (mode === 'nearest') {
    const rounding = ctx.opset >= 11 ? a.string('nearest_mode', 'round_prefer_floor') : 'floor';
    if (!nearestExact(coordinates, rounding))
      a.fail(
        `nearest with ${coordinates} coordinates and ${rounding} rounding is not supported (asymmetric + floor, half_pixel + round_prefer_floor/ceil are)`,
        coordinates === 'asymmetric' || coordinates.endsWith('half_pixel') ? 'nearest_mode' : 'coordinate_transformation_mode',
      );
    // Each pixel repeated sh × sw times (exact, and rank 4 so every backend tiles it).
    const wide = tf.reshape(tf.tile(tf.reshape(t, [n * h, w, 1, c]), [1, 1, sw, 1]), [n, h, 1, w * sw * c]);
    return [nhwc(tf.reshape(tf.tile(wide, [1, 1, sh, 1]), [n, h * sh, w * sw, c]))];
  }
  if (mode !== 'linear') a.fail(`mode '${mode}' is not supported (nearest, linear)`, 'mode');
  if (!LINEAR_COORDINATES.includes(coordinates))
    a.fail(`linear with ${coordinates} coordinates is not supported (${LINEAR_COORDINATES.join(', ')})`, 'coordinate_transformation_mode');
  // pytorch_half_pixel differs from half_pixel only for an output of size 1 (never at an up-scale).
  const aligned = coordinates === 'align_corners';
  return [nhwc(tf.image.resizeBilinear(t, [h * sh, w * sw], aligned, !aligned))];
};

export const resizeOps: Record<string, OpRunner> = { Resize: resize };
