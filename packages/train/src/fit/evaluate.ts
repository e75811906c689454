import * as tf from '@tensorflow/tfjs-core';
import { type Module, OptionError } from '@convkit/core';
import { crossEntropy } from '../losses/cross-entropy';
import { countTopK } from '../metrics/accuracy';
import type { ConfusionMatrix } from '../metrics/confusion-matrix';
import { checkBatch, saveModes, throwIfAborted } from './modes';
import { type DataSource, type LossFn, yieldToEventLoop } from './types';

export interface EvaluateOptions {
  loss?: LossFn;
  /** Dispose each batch's x and y after use (default true: the evaluator owns what the data yields). */
  disposeBatches?: boolean;
  /** Also accumulate the predictions into this confusion matrix. */
  confusionMatrix?: ConfusionMatrix;
  signal?: AbortSignal;
}

export interface EvaluateResult {
  /** Mean loss per example (each batch's mean loss weighted by its size). */
  loss: number;
  /** Top-1 accuracy; undefined when the targets are not class indices. */
  accuracy: number | undefined;
  examples: number;
  batches: number;
}

/**
 * Runs the model in `eval()` mode over the data (no gradients) and returns the mean loss and
 * accuracy; the module modes are restored afterwards. Yields to the event loop between batches.
 */
export async function evaluate(model: Module, data: DataSource, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  const { loss = crossEntropy as LossFn, disposeBatches = true, confusionMatrix, signal } = options;
  const restore = saveModes(model);
  model.eval();
  let [lossSum, correct, examples, batches, classified] = [0, 0, 0, 0, true];
  try {
    for await (const batch of data) {
      throwIfAborted(signal);
      checkBatch('evaluate', batch, batches);
      try {
        const { x, y } = batch;
        const n = x.shape[0] ?? 1;
        const { lossT, correctT } = tf.tidy(() => {
          const out = model.forward(x);
          if (confusionMatrix) confusionMatrix.update(out, y);
          const isClass = out.rank === 2 && y.rank === 1;
          return { lossT: loss(out, y), correctT: isClass ? countTopK(out, y) : undefined };
        }) as { lossT: tf.Scalar; correctT?: tf.Scalar };
        const [l, c] = await Promise.all([lossT.data(), correctT?.data()]);
        tf.dispose([lossT, ...(correctT ? [correctT] : [])]);
        lossSum += l[0] * n;
        if (c) correct += c[0];
        else classified = false;
        examples += n;
        batches += 1;
      } finally {
        if (disposeBatches) tf.dispose([batch.x, batch.y]);
      }
      await yieldToEventLoop();
    }
  } finally {
    restore();
  }
  if (batches === 0) throw new OptionError('evaluate', 'the data yielded no batches');
  return { loss: lossSum / examples, accuracy: classified ? correct / examples : undefined, examples, batches };
}
