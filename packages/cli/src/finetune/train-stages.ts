import type { ImageClassifier } from '@convkit/core';
import { ArrayDataset, type Batches, batches, compose, type Transform } from '@convkit/data';
import { AdamW, type BaseHyper, CosineAnnealingLR, type EpochLogs, fit, type Optimizer, type ProgressEvent, SGD } from '@convkit/train';
import { cacheFeatures, featureBatches } from './feature-cache';
import { FinetuneNet, onlyHeadTrains } from './finetune-net';
import type { ImageSplit } from './load-images';
import type { UnfreezeStep } from './options';

export interface TrainPlan {
  epochs: number;
  lr: number;
  batch: number;
  optimizer: 'sgd' | 'adamw';
  seed: number;
  unfreezeAt: UnfreezeStep[];
  /** Per-batch training augmentation (before normalization); empty for `--augment none`. */
  augment: Transform[];
  normalize: Transform;
  /** Train the head on cached backbone features while only the head trains and nothing is augmented (default true). */
  cache?: boolean;
  onProgress?: (e: ProgressEvent) => void;
  onCache?: (info: { images: number; values: number; seconds: number; epochs: number }) => void;
  onUnfreeze?: (info: { epoch: number; prefixes: string[]; lr: number; trainable: number }) => void;
}

/** The optimizer of a stage: AdamW (weight decay 0.01) or SGD with momentum 0.9 (weight decay 1e-4). */
export function makeOptimizer(kind: 'sgd' | 'adamw', model: ImageClassifier, lr: number): Optimizer<BaseHyper> {
  const params = model.trainableParameters();
  return kind === 'adamw' ? new AdamW(params, { lr, weightDecay: 0.01 }) : new SGD(params, { lr, momentum: 0.9, weightDecay: 1e-4 });
}

/** `[from, to)` epoch ranges: a new stage starts at each `--unfreeze-at` epoch (1-based there). */
export function stages(epochs: number, unfreezeAt: UnfreezeStep[]): { from: number; to: number; unfreeze: string[] }[] {
  const starts = [...new Set([0, ...unfreezeAt.map((u) => u.epoch - 1)])].sort((a, b) => a - b);
  return starts.map((from, i) => ({
    from,
    to: starts[i + 1] ?? epochs,
    unfreeze: unfreezeAt.filter((u) => u.epoch - 1 === from).map((u) => u.prefix),
  }));
}

/**
 * Trains in stages (the course's two-stage fine-tune: the head first, then also the layers
 * `--unfreeze-at` names, at a tenth of the learning rate, with a fresh optimizer and cosine
 * schedule per stage). The first stage runs on cached features when it may.
 */
export async function trainStages(model: ImageClassifier, train: ImageSplit, val: ImageSplit, plan: TrainPlan): Promise<EpochLogs[]> {
  const history: EpochLogs[] = [];
  const shape = [train.size, train.size, 3] as const;
  const imageData = (split: ImageSplit) => new ArrayDataset({ images: split.images, labels: split.labels, imageShape: shape });
  // One shuffled stream for the whole run: the permutations continue from stage to stage.
  const trainBatches = batches(imageData(train), {
    batchSize: plan.batch,
    shuffle: true,
    seed: plan.seed,
    batchTransform: compose([...plan.augment, plan.normalize]),
  });
  const valBatches = batches(imageData(val), { batchSize: Math.max(plan.batch, 64), batchTransform: plan.normalize });
  for (const [i, stage] of stages(plan.epochs, plan.unfreezeAt).entries()) {
    for (const prefix of stage.unfreeze) model.unfreeze(prefix);
    const cached = i === 0 && plan.cache !== false && plan.augment.length === 0 && onlyHeadTrains(model);
    const net = new FinetuneNet(model, cached);
    let data: Batches = trainBatches;
    let valData: Batches = valBatches;
    if (cached) {
      const started = performance.now();
      const [t, v] = cacheFeatures(net, [train, val], plan.normalize, 64);
      const seconds = (performance.now() - started) / 1000;
      plan.onCache?.({
        images: t.labels.length + v.labels.length,
        values: t.shape.reduce((a, b) => a * b),
        seconds,
        epochs: stage.to - stage.from,
      });
      // The same seed as the image batches: the head sees the examples in the same order.
      data = featureBatches(t, { batchSize: plan.batch, shuffle: true, seed: plan.seed });
      valData = featureBatches(v, { batchSize: Math.max(plan.batch, 64) });
    }
    const lr = i === 0 ? plan.lr : plan.lr / 10;
    if (stage.unfreeze.length)
      plan.onUnfreeze?.({ epoch: stage.from + 1, prefixes: stage.unfreeze, lr, trainable: model.numParameters({ trainableOnly: true }) });
    const optimizer = makeOptimizer(plan.optimizer, model, lr);
    const result = await fit(net, data, {
      epochs: stage.to,
      initialEpoch: stage.from,
      optimizer,
      scheduler: new CosineAnnealingLR(optimizer, { tMax: stage.to - stage.from }),
      valData,
      onProgress: (e) => plan.onProgress?.({ ...e, epochs: plan.epochs }),
    });
    history.push(...result.epochs);
    optimizer.dispose();
  }
  return history;
}
