// Batch norm in training as two kernels core's batchNormTrain runs when a backend has them:
// forward = mean pass + variance pass + one affine pass; backward = one pass for Σdy and
// Σdy·(x − μ) + one affine pass for dx. tfjs autodiff of the same math takes ~15 full passes.
import { BatchNormTrainGradKernel, BatchNormTrainKernel } from '@convkit/core';
import { channelAffine, channelSums, SumMode } from '../wasm/batch-norm';
import { engine, f32, type FastKernel, type KernelArgs, outputTensor, size } from './common';

function channelsOf(x: { shape: number[] }): [rows: number, C: number] {
  const C = x.shape[x.shape.length - 1];
  return [size(x.shape) / C, C];
}

function values(kernel: string, args: KernelArgs, names: string[]): Float32Array[] {
  return names.map((name) => {
    const v = f32(args.backend, args.inputs[name]);
    if (!v) throw new TypeError(`${kernel}: input ${name} must be a float32 tensor, got ${args.inputs[name]?.dtype ?? 'none'}`);
    return v;
  });
}

export const batchNormTrain: FastKernel = {
  kernelName: BatchNormTrainKernel,
  kernelFunc: (args) => {
    const { x } = args.inputs;
    const [xv, wv, bv] = values(BatchNormTrainKernel, args, ['x', 'weight', 'bias']);
    const eps = args.attrs?.epsilon as number;
    const [rows, C] = channelsOf(x);
    const e = engine();
    e.reset();
    const xp = e.input(xv);
    const mean = channelSums(e, SumMode.sum, xp, 0, 0, rows, C)[0].map((s) => s / rows);
    const variance = channelSums(e, SumMode.squaredDeviation, xp, 0, e.put(mean), rows, C)[0].map((s) => s / rows);
    const scale = variance.map((v, c) => wv[c] / Math.sqrt(v + eps));
    const shift = scale.map((s, c) => bv[c] - mean[c] * s);
    const y = e.output(xv.length);
    channelAffine(e, xp, 0, scale, undefined, shift, y, rows, C);
    const { backend } = args;
    return [
      outputTensor(backend, e, y, x.shape),
      backend.makeTensorInfo([C], 'float32', Float32Array.from(mean)),
      backend.makeTensorInfo([C], 'float32', Float32Array.from(variance)),
    ];
  },
};

export const batchNormTrainGrad: FastKernel = {
  kernelName: BatchNormTrainGradKernel,
  kernelFunc: (args) => {
    const { x } = args.inputs;
    const [dyv, xv, meanv, varv, wv] = values(BatchNormTrainGradKernel, args, ['dy', 'x', 'mean', 'variance', 'weight']);
    const eps = args.attrs?.epsilon as number;
    const [rows, C] = channelsOf(x);
    const e = engine();
    e.reset();
    const dyp = e.input(dyv);
    const xp = e.input(xv);
    const [sumDy, sumDyCentred] = channelSums(e, SumMode.sumAndCrossDeviation, dyp, xp, e.put(meanv), rows, C);
    const invStd = Float64Array.from(varv, (v) => 1 / Math.sqrt(v + eps));
    // dx = a·dy + k·x + d with a = γ/σ, k = −a·Σdy(x−μ)/(nσ²), d = −a·Σdy/n − k·μ.
    const a = invStd.map((s, c) => wv[c] * s);
    const k = a.map((ac, c) => (-ac * sumDyCentred[c] * invStd[c] * invStd[c]) / rows);
    const d = a.map((ac, c) => (-ac * sumDy[c]) / rows - k[c] * meanv[c]);
    const dx = e.output(dyv.length);
    channelAffine(e, dyp, xp, a, k, d, dx, rows, C);
    const { backend } = args;
    return [
      outputTensor(backend, e, dx, x.shape),
      backend.makeTensorInfo(
        [C],
        'float32',
        Float32Array.from(sumDyCentred, (s, c) => s * invStd[c]),
      ),
      backend.makeTensorInfo([C], 'float32', Float32Array.from(sumDy)),
    ];
  },
};
