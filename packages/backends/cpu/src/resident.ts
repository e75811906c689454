// Kernel outputs may live in wasm memory (see Engine.result). This adapts a tfjs CPU backend
// instance to them: disposing a tensor's data frees its block, reading data gives a copy (a
// block is reused once its tensor is gone, so a view must not escape), and values a tfjs kernel
// derives from a block without copying (a contiguous Slice is a subarray) are copied before
// they are stored.
import type * as tf from '@tensorflow/tfjs-core';
import { isResident, releaseResident } from './wasm/engine';

interface BackendData {
  values?: unknown;
}

interface PatchableBackend {
  data: { get(dataId: tf.DataId): BackendData | undefined; has(dataId: tf.DataId): boolean };
  firstUse?: boolean;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  readSync(dataId: tf.DataId): unknown;
  write(values: unknown, shape: number[], dtype: tf.DataType): tf.DataId;
}

const patched = Symbol.for('convkit.backend-cpu.resident');
const shared = typeof SharedArrayBuffer === 'undefined' ? undefined : SharedArrayBuffer;

function copyIfResident(values: unknown): unknown {
  return isResident(values) ? (values as Float32Array).slice() : values;
}

/** Patches `backend` once (idempotent). */
export function adaptBackend(instance: object): void {
  const backend = instance as PatchableBackend & { [patched]?: true };
  if (backend[patched]) return;
  backend[patched] = true;
  // tfjs-backend-cpu suggests installing tfjs-node on its first write; these kernels are the speed-up.
  backend.firstUse = false;
  const { disposeData, readSync, write } = backend;
  backend.disposeData = function (dataId, force) {
    const values = this.data.get(dataId)?.values;
    const released = disposeData.call(this, dataId, force);
    if (values !== undefined && !this.data.has(dataId)) releaseResident(values);
    return released;
  };
  // read() goes through readSync.
  backend.readSync = function (dataId) {
    return copyIfResident(readSync.call(this, dataId));
  };
  backend.write = function (values, shape, dtype) {
    const aliasesWasm = shared !== undefined && values instanceof Float32Array && values.buffer instanceof shared && !isResident(values);
    return write.call(this, aliasesWasm ? (values as Float32Array).slice() : values, shape, dtype);
  };
}
