// Browser-safe helpers for tests that compare whole models: weights under which the logits
// depend on the input, and a measure of how much they do.
import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier } from '@convkit/core';

/**
 * GoogLeNet's init (convs drawn with std 0.01, BatchNorm at its initial running stats) shrinks the
 * input's trace to nothing by the head: every image gets the same logits. He-scaled conv weights
 * keep it, so a comparison sees the whole graph, not just the classifier's bias.
 */
export function heScaledConvs(model: ImageClassifier): void {
  const scaled = tf.tidy(() =>
    Object.fromEntries(
      Object.entries(model.stateDict()).map(([key, t]) => {
        const [kh, kw, inPerGroup] = t.shape;
        return [key, t.rank === 4 ? tf.mul(tf.div(t, tf.sqrt(tf.moments(t).variance)), Math.sqrt(2 / (kh * kw * inPerGroup))) : t.clone()];
      }),
    ),
  );
  model.loadStateDict(scaled);
  tf.dispose(Object.values(scaled));
}

/** Max |row 0 − row 1| / max |logit|: how much a batch's logits depend on the input at all. */
export async function inputDependence(logits: tf.Tensor): Promise<number> {
  const [d, m] = tf.tidy(() => {
    const [a, b] = tf.split(logits, [1, 1, logits.shape[0] - 2]);
    return [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(logits))];
  });
  const [diff, ref] = [(await d.data())[0], (await m.data())[0]];
  tf.dispose([d, m]);
  return diff / ref;
}
