// Less, LessEqual, Greater, GreaterEqual of float32 tensors of one shape or against a scalar, in
// plain JS: tfjs's Relu6 gradient (LessEqual(x, 6), hardswish's too) runs one per activation in
// training, and tfjs-backend-cpu computes broadcast indices per element (~20× slower). Other
// broadcasts and dtypes run the tfjs kernel.
import * as tf from '@tensorflow/tfjs-core';
import { f32, fallback, type FastKernel, type KernelArgs } from './common';

type Compare = (a: Float32Array, b: Float32Array, out: Uint8Array, scalarA: boolean, scalarB: boolean) => void;

// One loop per op and operand form, so that V8 compiles each compare monomorphic.
function compareKernel(kernelName: string, run: Compare): FastKernel {
  return {
    kernelName,
    kernelFunc: (args: KernelArgs) => {
      const { a, b } = args.inputs;
      const av = f32(args.backend, a);
      const bv = f32(args.backend, b);
      if (!av || !bv) return fallback(kernelName, args);
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const n = outShape.reduce((x, y) => x * y, 1);
      const scalarA = av.length === 1 && n !== 1;
      const scalarB = bv.length === 1 && n !== 1;
      if ((av.length !== n && !scalarA) || (bv.length !== n && !scalarB)) return fallback(kernelName, args);
      const out = new Uint8Array(n);
      run(av, bv, out, scalarA, scalarB);
      return args.backend.makeTensorInfo(outShape, 'bool', out as unknown as Float32Array);
    },
  };
}

export const less = compareKernel(tf.Less, (a, b, out, sa, sb) => {
  const n = out.length;
  if (sb) for (let i = 0, s = b[0]; i < n; i++) out[i] = a[i] < s ? 1 : 0;
  else if (sa) for (let i = 0, s = a[0]; i < n; i++) out[i] = s < b[i] ? 1 : 0;
  else for (let i = 0; i < n; i++) out[i] = a[i] < b[i] ? 1 : 0;
});

export const lessEqual = compareKernel(tf.LessEqual, (a, b, out, sa, sb) => {
  const n = out.length;
  if (sb) for (let i = 0, s = b[0]; i < n; i++) out[i] = a[i] <= s ? 1 : 0;
  else if (sa) for (let i = 0, s = a[0]; i < n; i++) out[i] = s <= b[i] ? 1 : 0;
  else for (let i = 0; i < n; i++) out[i] = a[i] <= b[i] ? 1 : 0;
});

export const greater = compareKernel(tf.Greater, (a, b, out, sa, sb) => {
  const n = out.length;
  if (sb) for (let i = 0, s = b[0]; i < n; i++) out[i] = a[i] > s ? 1 : 0;
  else if (sa) for (let i = 0, s = a[0]; i < n; i++) out[i] = s > b[i] ? 1 : 0;
  else for (let i = 0; i < n; i++) out[i] = a[i] > b[i] ? 1 : 0;
});

export const greaterEqual = compareKernel(tf.GreaterEqual, (a, b, out, sa, sb) => {
  const n = out.length;
  if (sb) for (let i = 0, s = b[0]; i < n; i++) out[i] = a[i] >= s ? 1 : 0;
  else if (sa) for (let i = 0, s = a[0]; i < n; i++) out[i] = s >= b[i] ? 1 : 0;
  else for (let i = 0; i < n; i++) out[i] = a[i] >= b[i] ? 1 : 0;
});
