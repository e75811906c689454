// AssemblyScript source of the SIMD kernels (compiled by scripts/build-wasm.mjs, not by tsc),
// one file per kernel family, mirroring src/wasm/ on the host side.
//
// Every export takes (p, tid, nt): `p` points at an i32 parameter block written by the host,
// `tid`/`nt` are this thread's index and the thread count. Work is split into items that the
// threads claim from an atomic counter inside the parameter block, so a slow or absent helper
// thread never changes the result — the other thread simply takes more items.
// Pointers and strides in parameter blocks are in bytes; sizes are in elements.
export { gemm, packB } from './gemm';
export { im2col } from './conv';
export { depthwise, depthwiseFilterGrad } from './depthwise';
export { winogradInput, winogradOutput } from './winograd';
export { elementwise } from './elementwise';
export { channelSums, channelAffine } from './batch-norm';
export { maxPool, maxPoolGrad } from './pool';
export { copyRows } from './copy';
