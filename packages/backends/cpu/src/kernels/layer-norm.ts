// Layer norm over the last axis as two kernels core's layerNorm runs when a backend has them
// (ConvNeXt's channels-last norm): forward = per row a mean pass, a variance pass and the affine
// pass; backward = per row one pass for Σg and Σg·x̂ and one for dx, with dγ and dβ summed on the
// way. tfjs autodiff of the same math takes ~20 full passes. Plain JS, statistics in float64.
import { LayerNormGradKernel, LayerNormKernel } from '@convkit/core';
import { f32, type FastKernel, type KernelArgs } from './common';

function values(kernel: string, args: KernelArgs, names: string[]): Float32Array[] {
  return names.map((name) => {
    const v = f32(args.backend, args.inputs[name]);
    if (!v) throw new TypeError(`${kernel}: input ${name} must be a float32 tensor, got ${args.inputs[name]?.dtype ?? 'none'}`);
    return v;
  });
}

/** [rows, C] of x and the shape of its per-row statistics (x's with a last axis of 1). */
function rowsOf(shape: number[]): [rows: number, C: number, statShape: number[]] {
  const C = shape[shape.length - 1];
  const rows = C === 0 ? 0 : shape.reduce((a, b) => a * b, 1) / C;
  return [rows, C, [...shape.slice(0, -1), 1]];
}

export const layerNorm: FastKernel = {
  kernelName: LayerNormKernel,
  kernelFunc: (args) => {
    const { x } = args.inputs;
    const [xv, gv, bv] = values(LayerNormKernel, args, ['x', 'gamma', 'beta']);
    const eps = args.attrs?.epsilon as number;
    const [rows, C, statShape] = rowsOf(x.shape);
    const y = new Float32Array(xv.length);
    const mean = new Float32Array(rows);
    const invStd = new Float32Array(rows);
    for (let r = 0, base = 0; r < rows; r++, base += C) {
      let s = 0;
      for (let c = 0; c < C; c++) s += xv[base + c];
      const m = s / C;
      let v = 0;
      for (let c = 0; c < C; c++) {
        const d = xv[base + c] - m;
        v += d * d;
      }
      const inv = 1 / Math.sqrt(v / C + eps);
      for (let c = 0; c < C; c++) y[base + c] = (xv[base + c] - m) * inv * gv[c] + bv[c];
      mean[r] = m;
      invStd[r] = inv;
    }
    const { backend } = args;
    return [
      backend.makeTensorInfo(x.shape, 'float32', y),
      backend.makeTensorInfo(statShape, 'float32', mean),
      backend.makeTensorInfo(statShape, 'float32', invStd),
    ];
  },
};

export const layerNormGrad: FastKernel = {
  kernelName: LayerNormGradKernel,
  kernelFunc: (args) => {
    const { x } = args.inputs;
    const [dyv, xv, meanv, invv, gv] = values(LayerNormGradKernel, args, ['dy', 'x', 'mean', 'invStd', 'gamma']);
    const [rows, C] = rowsOf(x.shape);
    const dx = new Float32Array(xv.length);
    const dgamma = new Float64Array(C);
    const dbeta = new Float64Array(C);
    for (let r = 0, base = 0; r < rows; r++, base += C) {
      const m = meanv[r];
      const inv = invv[r];
      // With g = dy·γ: dx = inv·(g − mean(g) − x̂·mean(g·x̂)).
      let sg = 0;
      let sgx = 0;
      for (let c = 0; c < C; c++) {
        const d = dyv[base + c];
        const xh = (xv[base + c] - m) * inv;
        const g = d * gv[c];
        sg += g;
        sgx += g * xh;
        dgamma[c] += d * xh;
        dbeta[c] += d;
      }
      const a = sg / C;
      const b = sgx / C;
      for (let c = 0; c < C; c++) dx[base + c] = inv * (dyv[base + c] * gv[c] - a - (xv[base + c] - m) * inv * b);
    }
    const { backend } = args;
    return [
      backend.makeTensorInfo(x.shape, 'float32', dx),
      backend.makeTensorInfo([C], 'float32', Float32Array.from(dgamma)),
      backend.makeTensorInfo([C], 'float32', Float32Array.from(dbeta)),
    ];
  },
};
