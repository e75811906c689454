import * as tf from '@tensorflow/tfjs-core';
import { type Module, OptionError } from '@convkit/core';
import type { DataBatch } from './types';

/** Records every module's training flag so `fit`/`evaluate` can put the model back as they found it. */
export function saveModes(model: Module): () => void {
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  return () => {
    for (const [m, mode] of modes) m.training = mode;
  };
}

/** A batch whose tensors were already disposed usually means the data was consumed once and disposed. */
export function checkBatch(where: string, batch: DataBatch, index: number): void {
  if (!batch || !(batch.x instanceof tf.Tensor) || !(batch.y instanceof tf.Tensor)) {
    throw new OptionError(`${where}: batch ${index}`, 'each batch must be an object {x, y} of tensors');
  }
  if (batch.x.isDisposed || batch.y.isDisposed) {
    throw new OptionError(
      `${where}: batch ${index}`,
      'its tensors are disposed; fit/evaluate dispose every batch after use unless disposeBatches: false (needed when the same tensors are yielded every epoch)',
    );
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('Training aborted', 'AbortError');
}
