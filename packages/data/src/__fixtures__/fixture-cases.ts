import type * as tf from '@tensorflow/tfjs-core';
import { type EncodedTensor, expectClose, expectNoLeaks } from '@convkit/test-utils';
import { expect, it } from 'vitest';

/** One test per fixture case: `run(x, meta)` must equal torchvision's `y` within `tolerance`, leak nothing and not alias `x`. */
export function itMatchesEachCase<M>(
  cases: Record<string, { meta: M; y: EncodedTensor }>,
  x: tf.Tensor4D,
  run: (x: tf.Tensor4D, meta: M) => tf.Tensor,
  tolerance: { atol: number; rtol: number },
): void {
  it.each(Object.keys(cases))('%s', (name) => {
    const c = cases[name];
    expectNoLeaks(() => {
      const y = run(x, c.meta);
      const diff = expectClose(y, c.y, tolerance);
      if (process.env.CONVKIT_REPORT_DIFFS) console.log(`${name}: max |diff| ${diff.toExponential(2)}`);
      expect(y).not.toBe(x);
      y.dispose();
    });
  });
}
