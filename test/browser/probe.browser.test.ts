import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import './context';
it('probe', async () => {
  for (const b of ['cpu', 'webgl', 'webgpu']) {
    await tf.setBackend(b);
    for (const [shape, pad] of [
      [[3, 1, 3, 1, 2, 2], [[0, 0], [0, 1], [0, 0], [0, 1], [0, 0], [0, 0]]],
      [[2, 3, 2, 2, 3], [[1, 0], [0, 1], [0, 2], [1, 1], [0, 0]]],
      [[2, 3, 4, 5], [[1, 0], [0, 1], [0, 2], [1, 1]]],
    ] as const) {
      const x = tf.range(1, shape.reduce((a, b) => a * b, 1) + 1).reshape(shape as any);
      try {
        const y = tf.pad(x, pad as any, 0);
        console.log(b, shape.length, (await y.data()).slice(0, 40).join(','));
      } catch (e) { console.log(b, shape.length, 'ERR', (e as Error).message.slice(0, 100)); }
    }
  }
});
