// Fast paths for the elementwise ops around convolutions (residual adds, unfused batch norm,
// activations, squeeze-excitation gates). Same shape, a scalar, a per-channel vector broadcast
// over the last axis or a per-sample [N,1,1,C] one run in wasm SIMD (branch-free); other
// broadcasts in plain JS (broadcast.ts). tfjs-backend-cpu computes broadcast indices per
// element, ~10× slower.
import { HardswishGradKernel, HardswishKernel, SiluGradKernel, SiluKernel } from '@convkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { broadcastBinary } from './broadcast';
import { elementwise, ElementwiseOp } from '../wasm/elementwise';
import { engine, f32, f32OrCast, fallback, type FastKernel, type KernelArgs, size } from './common';

type Op = 'add' | 'sub' | 'mul' | 'div';

// The big operand's op with the small one on the right, and with it on the left.
const opCode: Record<Op, [ElementwiseOp, ElementwiseOp]> = {
  add: [ElementwiseOp.add, ElementwiseOp.add],
  sub: [ElementwiseOp.sub, ElementwiseOp.rsub],
  mul: [ElementwiseOp.mul, ElementwiseOp.mul],
  div: [ElementwiseOp.div, ElementwiseOp.rdiv],
};

/** A `[N,1,…,1,C]` operand of an `[N,…,C]` result: a squeeze-excitation gate, a per-sample channel mask. */
function perSampleGate(small: readonly number[], out: readonly number[]): boolean {
  const r = out.length;
  return r >= 3 && small.length === r && small[0] === out[0] && small[r - 1] === out[r - 1] && small.slice(1, -1).every((d) => d === 1);
}

function binary(kernelName: string, op: Op): FastKernel {
  return {
    kernelName,
    kernelFunc: (args: KernelArgs) => {
      const { a, b } = args.inputs;
      // A relu6 gradient multiplies by cast(mask, 'float32'), whose values are still bytes.
      const av = f32OrCast(args.backend, a);
      const bv = f32OrCast(args.backend, b);
      if (!av || !bv) return fallback(kernelName, args);
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const n = size(outShape);
      const aBig = av.length === n;
      const big = aBig ? av : bv;
      const small = aBig ? bv : av;
      const period = small.length;
      const last = outShape[outShape.length - 1] ?? 1;
      // The wasm kernel takes the small side as the whole tensor, a scalar, or a vector along the last axis.
      const smallShape = aBig ? b.shape : a.shape;
      const lastOnly = smallShape.slice(0, -1).every((d) => d === 1) && period === last;
      // One channel ([N,1,1,1], a per-image scale) is not a gate: the kernel would read period 1 as a scalar.
      const gate = !lastOnly && last > 1 && perSampleGate(smallShape, outShape);
      if (n === 0 || big.length !== n || !(period === n || period === 1 || lastOnly || gate))
        return broadcastBinary(args, op) ?? fallback(kernelName, args);
      const out = elementwise(engine(), opCode[op][aBig ? 0 : 1], big, small, gate ? last : period, 0, gate ? n / outShape[0] : 0);
      return args.backend.makeTensorInfo(outShape, 'float32', out);
    },
  };
}

export const add = binary(tf.Add, 'add');
export const sub = binary(tf.Sub, 'sub');
export const mul = binary(tf.Multiply, 'mul');

// NaN propagates as in tfjs (a NaN input gives NaN, not 0).
export const realDiv = binary(tf.RealDiv, 'div');

function wasmUnary(kernelName: string, op: ElementwiseOp, alphaOf: (attrs: tf.NamedAttrMap) => number = () => 0): FastKernel {
  return {
    kernelName,
    kernelFunc: (args: KernelArgs) => {
      const { x } = args.inputs;
      const xv = f32(args.backend, x);
      if (!xv) return fallback(kernelName, args);
      return args.backend.makeTensorInfo(x.shape, 'float32', elementwise(engine(), op, xv, undefined, 1, alphaOf(args.attrs ?? {})));
    },
  };
}

// NaN propagates as in tfjs (a NaN input gives NaN, not 0).
export const relu = wasmUnary(tf.Relu, ElementwiseOp.relu);
export const relu6 = wasmUnary(tf.Relu6, ElementwiseOp.relu6);
/** ReLU's gradient: x > 0 ? 1 : alpha, NaN stays NaN. */
export const step = wasmUnary(tf.Step, ElementwiseOp.step, (attrs) => (attrs.alpha as number | undefined) ?? 0);
// tfjs-cpu's Sigmoid dominated EfficientNet's inference (SiLU and SE gates): 1/(1 + e^-x) with
// a vectorised expf (~1 ulp).
export const sigmoid = wasmUnary(tf.Sigmoid, ElementwiseOp.sigmoid);

// core's SiLU, x·σ(x), and its gradient, one pass each instead of a sigmoid and a multiply
// forward and five ops backward (EfficientNet's activation, in training).
export const silu = wasmUnary(SiluKernel, ElementwiseOp.silu);

/** An activation's gradient `{x, dy}` → dy·act′(x) in one pass (x and dy of one shape). */
function activationGrad(kernelName: string, op: ElementwiseOp): FastKernel {
  return {
    kernelName,
    kernelFunc: (args: KernelArgs) => {
      const { x, dy } = args.inputs;
      const xv = f32(args.backend, x);
      const dyv = f32(args.backend, dy);
      if (!xv || !dyv || xv.length !== dyv.length)
        throw new TypeError(
          `${kernelName}: x and dy must be float32 tensors of one shape, got ${x.dtype}${JSON.stringify(x.shape)} and ${dy.dtype}${JSON.stringify(dy.shape)}`,
        );
      return args.backend.makeTensorInfo(x.shape, 'float32', elementwise(engine(), op, xv, dyv, xv.length));
    },
  };
}

export const siluGrad = activationGrad(SiluGradKernel, ElementwiseOp.siluGrad);

// core's hardswish and its gradient (MobileNetV3's activation, in training): one pass each,
// instead of four kernels forward and six backward with x + 3 and relu6(x + 3) kept for them.
export const hardswish = wasmUnary(HardswishKernel, ElementwiseOp.hardswish);
export const hardswishGrad = activationGrad(HardswishGradKernel, ElementwiseOp.hardswishGrad);
