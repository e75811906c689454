import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareWithTfjs, randn } from './__fixtures__/compare';
import { enableFastKernels, fastKernelsInfo } from './fast-kernels';
import { runtime } from './registry';

// Kernel outputs stay in wasm memory (shared memory, i.e. with threads) and the next kernel
// reads them in place; nothing outside may see a block that is reused later.
describe.runIf(fastKernelsInfo().threads > 1 || typeof SharedArrayBuffer !== 'undefined')('outputs kept in wasm memory', () => {
  it('dataSync gives a copy that later kernels never overwrite', () => {
    enableFastKernels();
    const x = randn([64, 64]);
    const y = tf.relu(x);
    const seen = y.dataSync();
    const expected = Array.from(seen);
    y.dispose(); // its block is free now; the next outputs reuse it
    const others = [tf.relu(tf.neg(x)), tf.mul(x, 3)];
    expect(Array.from(seen)).toEqual(expected);
    expect(seen.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    tf.dispose([x, ...others]);
  });

  it('a tfjs kernel that aliases an output (a contiguous slice) gets its own copy', () => {
    enableFastKernels();
    const x = randn([8, 100]);
    const y = tf.relu(x);
    const first = tf.slice(y, [0, 0], [4, 100]); // tfjs-cpu returns a subarray of y's values
    const expected = Array.from(first.dataSync());
    y.dispose();
    const overwrite = tf.relu(tf.neg(x));
    expect(Array.from(first.dataSync())).toEqual(expected);
    tf.dispose([x, first, overwrite]);
  });

  it('disposing frees the blocks; results match the tfjs kernels through a chain of kernels', () => {
    enableFastKernels();
    const e = runtime.engine!;
    const x = randn([2, 12, 12, 16]);
    const w = randn([3, 3, 16, 16], 0.2);
    const before = e.residentBytesInUse;
    const chain = () =>
      tf.tidy(() =>
        tf.maxPool(tf.relu(tf.add(tf.conv2d(tf.relu(x) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), x)) as tf.Tensor4D, 2, 2, 'valid'),
      );
    const y = chain();
    expect(e.residentBytesInUse).toBeGreaterThan(before);
    y.dispose();
    expect(e.residentBytesInUse).toBe(before);
    compareWithTfjs(chain);
    tf.dispose([x, w]);
  });

  it('can be turned off (outputs are then ordinary arrays)', () => {
    enableFastKernels({ residentTensors: false });
    const x = randn([100]);
    const y = tf.relu(x);
    expect(runtime.engine!.residentBytesInUse).toBe(0);
    expect(runtime.engine!.resident).toBe(false);
    tf.dispose([x, y]);
    enableFastKernels();
    expect(runtime.engine!.resident).toBe(true);
  });
});
