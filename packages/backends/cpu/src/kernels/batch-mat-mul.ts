import * as tf from '@tensorflow/tfjs-core';
import { Act, gemm, packB, packedSize } from '../wasm/gemm';
import { type CpuBackend, engine, type Epilogue, epilogue, f32, type KernelArgs, outputTensor, putBias, size, wasmKernel } from './common';

/** (Batch) matmul with transposes, batch broadcasting of one side, bias and activation. */
function matMulWasm(
  backend: CpuBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
  ep: Epilogue,
  bias?: tf.TensorInfo,
): tf.TensorInfo | undefined {
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (!av || !bv || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const ta = attrs.transposeA === true;
  const tb = attrs.transposeB === true;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = tb ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(b.shape.slice(0, -2));
  if (K !== Kb || M * N * K === 0) return undefined;
  const sameBatch = batchA === batchB && (batchA === 1 || a.shape.slice(0, -2).join() === b.shape.slice(0, -2).join());
  if (!sameBatch && batchA !== 1 && batchB !== 1) return undefined;
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  const e = engine();
  e.reset();
  const biasPtr = putBias(e, backend, bias, N);
  if (biasPtr === undefined) return undefined;
  const rsA = ta ? 1 : K;
  const csA = ta ? M : 1;
  // B (often a weight matrix) is packed whole, one K×N block per batch entry.
  const blockFloats = packedSize(K, N);
  const packed = e.packed(b.dataId, bv, `matmul:${tb}:${K}x${N}`, blockFloats * batchB, (dst) => {
    const bp = e.input(bv);
    for (let i = 0; i < batchB; i++) packB(e, bp + i * K * N * 4, tb ? 1 : N, tb ? K : 1, K, N, dst + i * blockFloats * 4);
  });
  const ap = e.input(av);
  const outSize = batch * M * N;
  const c = e.output(outSize);
  if (batchB === 1 && !ta) {
    // One shared B: fold the batch of A into the rows.
    gemm(e, { a: ap, rsA, csA, bPacked: packed, c, ldc: N, M: batchA * M, N, K, bias: biasPtr, act: ep.act });
  } else {
    for (let i = 0; i < batch; i++) {
      const ai = batchA > 1 ? i : 0;
      const bi = batchB > 1 ? i : 0;
      const bPacked = packed + bi * blockFloats * 4;
      gemm(e, { a: ap + ai * M * K * 4, rsA, csA, bPacked, c: c + i * M * N * 4, ldc: N, M, N, K, bias: biasPtr, act: ep.act });
    }
  }
  return outputTensor(backend, e, c, [...batchShape, M, N], ep);
}

export const batchMatMul = wasmKernel(tf.BatchMatMul, (args: KernelArgs) => {
  const { a, b } = args.inputs;
  return matMulWasm(args.backend, a, b, args.attrs ?? {}, { act: Act.Linear });
});

export const fusedMatMul = wasmKernel(tf._FusedMatMul, (args: KernelArgs) => {
  const { a, b, bias } = args.inputs;
  const attrs = args.attrs ?? {};
  const ep = epilogue(attrs.activation, attrs.leakyreluAlpha);
  return ep && matMulWasm(args.backend, a, b, attrs, ep, bias);
});
