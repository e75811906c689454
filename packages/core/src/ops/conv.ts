import * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError } from '../errors';
import { convOutputSize } from '../formulas';
import { assertRank, type Pair, shapeString, toPair } from '../validate';
import { activation as applyActivation, type ActivationName, hardswishGrad, siluGrad } from './activation';

/**
 * Symmetric padding like `nn.Conv2d(padding=…)`, PyTorch's `'same'` (stride 1 only), `'valid'`,
 * or TensorFlow's `'tf-same'`: the output is ⌈input / stride⌉ and the extra pixel of an odd total
 * goes bottom/right, so it depends on the input size (timm's `Conv2dSame`, the `tf_` models).
 */
export type Padding = number | [number, number] | 'same' | 'valid' | 'tf-same';

export interface Conv2dOptions {
  stride?: number | [number, number];
  /** Zero padding (see {@link Padding}). */
  padding?: Padding;
  dilation?: number | [number, number];
  groups?: number;
  /** Bias `[out]`, added before the activation. */
  bias?: tf.Tensor1D | null;
  /** Activation fused after the bias. */
  activation?: ActivationName;
  /**
   * Added to the convolution before the activation, `act(conv(x) + bias + residual)` (a residual
   * connection); must have the output's shape.
   */
  residual?: tf.Tensor4D | null;
}

/**
 * Kernel a backend may register to run `act(conv(x) + bias + residual)` in one pass (convkit's
 * CPU backend does): inputs `{x, filter, bias, residual?}`, attrs `{strides, pad, activation,
 * depthwise}` — `pad` is explicit NHWC padding, `activation` one of {@link fusedActivations},
 * `depthwise` means a `[kh,kw,C,1]` filter applied per channel. A residual comes only with a
 * plain convolution and a linear or ReLU activation (as in ResNet and MBConv blocks). Elsewhere the
 * bias, the add and the activation run as separate ops.
 */
export const FusedConvKernel = 'ConvkitFusedConv2D';

/** Activations {@link FusedConvKernel} applies in its epilogue. */
export const fusedActivations = ['linear', 'relu', 'relu6', 'sigmoid', 'silu', 'hardsigmoid', 'hardswish'] as const;
type FusedActivation = (typeof fusedActivations)[number];

// ∂act/∂z as a function of the saved output y = act(z) (and of z, recomputed, for SiLU and hardswish).
function activationGrad(act: FusedActivation, dy: tf.Tensor, y: tf.Tensor, preActivation: () => tf.Tensor): tf.Tensor {
  switch (act) {
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'relu6':
      return tf.mul(dy, tf.cast(tf.logicalAnd(tf.greater(y, 0), tf.less(y, 6)), 'float32'));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    case 'silu':
      return siluGrad(preActivation(), dy);
    case 'hardsigmoid':
      // 1/6 where -3 < z < 3, i.e. where 0 < y < 1.
      return tf.mul(dy, tf.mul(tf.cast(tf.logicalAnd(tf.greater(y, 0), tf.less(y, 1)), 'float32'), 1 / 6));
    case 'hardswish':
      return hardswishGrad(preActivation(), dy);
    default:
      return dy;
  }
}

// Its gradient (the kernels tfjs's Conv2D / DepthwiseConv2dNative gradients run), registered on first use.
function ensureFusedGradient(): void {
  if (tf.getGradient(FusedConvKernel)) return;
  tf.registerGradient({
    kernelName: FusedConvKernel,
    // (The residual is not saved: its gradient is dz, and it never comes with an activation whose
    // gradient needs the pre-activation.)
    inputsToSave: ['x', 'filter', 'bias'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, bias, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor4D];
      const depthwise = attrs.depthwise === true;
      const common = { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', dilations: 1 };
      const preActivation = () => {
        const conv = tf.engine().runKernel(depthwise ? tf.DepthwiseConv2dNative : tf.Conv2D, { x, filter }, common) as tf.Tensor;
        return tf.add(conv, bias);
      };
      const dz = activationGrad(attrs.activation as FusedActivation, dy as tf.Tensor, y, preActivation);
      return {
        x: () =>
          tf
            .engine()
            .runKernel(
              depthwise ? tf.DepthwiseConv2dNativeBackpropInput : tf.Conv2DBackpropInput,
              { dy: dz, filter },
              { ...common, inputShape: x.shape },
            ) as tf.Tensor,
        filter: () =>
          tf
            .engine()
            .runKernel(
              depthwise ? tf.DepthwiseConv2dNativeBackpropFilter : tf.Conv2DBackpropFilter,
              { x, dy: dz },
              { ...common, filterShape: filter.shape },
            ) as tf.Tensor,
        bias: () => tf.sum(dz, [0, 1, 2]),
        residual: () => dz,
      };
    },
  });
}

/**
 * Whether {@link FusedConvKernel} runs this convolution: the backend has it, the convolution is
 * plain or depthwise, and the activation is one it fuses. While gradients are recorded only
 * linear and ReLU are fused (their gradient needs only the output; the others' would recompute the
 * convolution, which costs more than the separate activation ops).
 */
function fusedKernelApplies(act: ActivationName, depthwise: boolean, groups: number, residual: boolean): boolean {
  if (!(fusedActivations as readonly string[]).includes(act) || !tf.getKernel(FusedConvKernel, tf.getBackend())) return false;
  if (residual ? groups !== 1 || (act !== 'linear' && act !== 'relu') : groups !== 1 && !depthwise) return false;
  return tf.engine().state.gradientDepth === 0 || act === 'linear' || act === 'relu';
}

/** TensorFlow "SAME" along one axis: total = max((⌈i/s⌉ − 1)·s + (k − 1)·d + 1 − i, 0), the odd pixel after. */
function tfSamePadding(input: number, kernel: number, stride: number, dilation: number): [number, number] {
  const total = Math.max((Math.ceil(input / stride) - 1) * stride + (kernel - 1) * dilation + 1 - input, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * The explicit `[top, bottom, left, right]` zero padding a convolution (or pooling window) with
 * these settings applies to an input of `[height, width]`.
 */
export function explicitPadding(
  where: string,
  padding: Padding,
  kernel: Pair,
  dilation: Pair,
  stride: Pair,
  [height, width]: Pair,
): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'tf-same') {
    return [...tfSamePadding(height, kernel[0], stride[0], dilation[0]), ...tfSamePadding(width, kernel[1], stride[1], dilation[1])];
  }
  if (padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new OptionError(
        where,
        `padding 'same' needs stride 1 (as in PyTorch; 'tf-same' pads like TensorFlow at any stride), got stride [${stride.join(',')}]`,
      );
    }
    const total = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)];
    const top = Math.floor(total[0] / 2);
    const left = Math.floor(total[1] / 2);
    return [top, total[0] - top, left, total[1] - left];
  }
  if (typeof padding === 'string')
    throw new OptionError(where, `padding must be a number, a pair, 'same', 'valid' or 'tf-same', got '${padding}'`);
  const [ph, pw] = toPair(where, 'padding', padding, 0);
  return [ph, ph, pw, pw];
}

/** Inserts `d-1` zeros between kernel taps so a dilated conv runs (and differentiates) as a plain one. */
function dilateKernel(w: tf.Tensor4D, [dh, dw]: Pair): tf.Tensor4D {
  const [kh, kw, cin, cout] = w.shape;
  const spread = tf.pad(tf.reshape(w, [kh, 1, kw, 1, cin, cout]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ]);
  const grid: tf.Tensor4D = tf.reshape(spread, [kh * dh, kw * dw, cin, cout]);
  return tf.slice(grid, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, cin, cout]) as tf.Tensor4D;
}

/**
 * 2-D convolution with PyTorch's semantics on NHWC tensors.
 * `x` is `[N,H,W,C_in]`; `weight` is `[kh,kw,C_in/groups,C_out]` (tfjs layout of `nn.Conv2d.weight`).
 */
export function conv2d(x: tf.Tensor4D, weight: tf.Tensor4D, options: Conv2dOptions = {}): tf.Tensor4D {
  const where = 'conv2d';
  assertRank(where, 'input', x, 4, 'NHWC [N,H,W,C]');
  assertRank(where, 'weight', weight, 4, '[kh,kw,C_in/groups,C_out]');
  const stride = toPair(where, 'stride', options.stride ?? 1, 1);
  const dilation = toPair(where, 'dilation', options.dilation ?? 1, 1);
  const groups = options.groups ?? 1;
  const [kh, kw, cinPerGroup, cout] = weight.shape;
  const cin = x.shape[3];
  if (!Number.isInteger(groups) || groups < 1) throw new OptionError(where, `groups must be a positive integer, got ${groups}`);
  if (cinPerGroup * groups !== cin) {
    throw new ShapeError(
      where,
      `input has ${cin} channels but weight ${shapeString(weight.shape)} with groups=${groups} expects ${cinPerGroup * groups}`,
    );
  }
  if (cout % groups !== 0) throw new ShapeError(where, `out channels (${cout}) must be divisible by groups (${groups})`);
  const bias = options.bias ?? null;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== cout)) {
    throw new ShapeError(where, `bias must have shape [${cout}], got ${shapeString(bias.shape)}`);
  }
  const [top, bottom, left, right] = explicitPadding(where, options.padding ?? 0, [kh, kw], dilation, stride, [x.shape[1], x.shape[2]]);
  const outH = convOutputSize(x.shape[1] + top + bottom, kh, { stride: stride[0], dilation: dilation[0] });
  const outW = convOutputSize(x.shape[2] + left + right, kw, { stride: stride[1], dilation: dilation[1] });
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      where,
      `input ${shapeString(x.shape)} is too small for kernel ${kh}x${kw} (dilation ${dilation}, padding ${top},${left}): output would be ${outH}x${outW}`,
    );
  }
  const act = options.activation === 'swish' ? 'silu' : (options.activation ?? 'linear');
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  const residual = options.residual ?? null;
  const outShape = [x.shape[0], outH, outW, cout];
  if (residual && shapeString(residual.shape) !== shapeString(outShape)) {
    throw new ShapeError(where, `residual must have the output's shape ${shapeString(outShape)}, got ${shapeString(residual.shape)}`);
  }
  const depthwise = groups === cin && cinPerGroup === 1;

  return tf.tidy((): tf.Tensor4D => {
    const w = dilation[0] > 1 || dilation[1] > 1 ? dilateKernel(weight, dilation) : weight;
    if ((residual || bias || act !== 'linear') && fusedKernelApplies(act, depthwise && cout === cin, groups, !!residual)) {
      ensureFusedGradient();
      const filter = groups === 1 ? w : tf.reshape(w, [w.shape[0], w.shape[1], cin, 1]);
      const inputs = { x, filter, bias: bias ?? tf.zeros([cout]), ...(residual ? { residual } : {}) };
      return tf
        .engine()
        .runKernel(FusedConvKernel, inputs, { strides: stride, pad, activation: act, depthwise: groups !== 1 }) as tf.Tensor4D;
    }
    // tfjs computes the gradient of fused convs only for linear and relu.
    const fusable = act === 'linear' || act === 'relu';
    if (residual) return applyActivation(tf.add(conv2d(x, weight, { ...options, activation: 'linear', residual: null }), residual), act);
    if (groups === 1) {
      // (Nothing to fuse without a bias or activation; tfjs's fused op would also compute the
      // input gradient eagerly, even for a network's input.)
      if (fusable && (bias || act !== 'linear'))
        return tf.fused.conv2d({ x, filter: w, strides: stride, pad, bias: bias ?? undefined, activation: act });
      return applyActivation(addBias(tf.conv2d(x, w, stride, pad), bias), act);
    }
    if (depthwise) {
      const filter = tf.reshape(w, [w.shape[0], w.shape[1], cin, cout / cin]) as tf.Tensor4D;
      return applyActivation(addBias(tf.depthwiseConv2d(x, filter, stride, pad), bias), act);
    }
    const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
    const ws = tf.split(w, groups, 3) as tf.Tensor4D[];
    const y: tf.Tensor4D = tf.concat(
      xs.map((xg, g) => tf.conv2d(xg, ws[g], stride, pad)),
      3,
    );
    return applyActivation(addBias(y, bias), act);
  });
}

function addBias(y: tf.Tensor4D, bias: tf.Tensor1D | null): tf.Tensor4D {
  return bias ? tf.add(y, bias) : y;
}

export interface DepthwiseConv2dOptions extends Omit<Conv2dOptions, 'groups'> {}

/**
 * Depthwise convolution (`nn.Conv2d(C, C·m, k, groups=C)`): `weight` is `[kh,kw,C,m]`.
 */
export function depthwiseConv2d(x: tf.Tensor4D, weight: tf.Tensor4D, options: DepthwiseConv2dOptions = {}): tf.Tensor4D {
  assertRank('depthwiseConv2d', 'weight', weight, 4, '[kh,kw,C,multiplier]');
  const [kh, kw, c, m] = weight.shape;
  return tf.tidy(() => conv2d(x, tf.reshape(weight, [kh, kw, 1, c * m]), { ...options, groups: c }));
}
