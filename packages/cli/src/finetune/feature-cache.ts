import * as tf from '@tensorflow/tfjs-core';
import { ArrayDataset, batches, type Transform } from '@convkit/data';
import type { FinetuneNet } from './finetune-net';
import type { ImageSplit } from './load-images';

/** The backbone's output for every image of a split: the input of the trainable head. */
export interface FeatureSplit {
  features: Float32Array;
  labels: Int32Array;
  /** `[h, w, c]` of one example: `[1, 1, c]` when pooled. */
  shape: [number, number, number];
}

/**
 * Runs the frozen backbone once over each split (eval mode, as `FinetuneNet` keeps it during
 * training) and keeps its output. Where the head starts with a global average pool (ResNet,
 * EfficientNet, MobileNet, …: the head gives the same logits on the pooled map), the pooled
 * `[1, 1, C]` vector is kept; otherwise the whole map (VGG, SqueezeNet).
 */
export function cacheFeatures(net: FinetuneNet, splits: ImageSplit[], normalizeT: Transform, batchSize: number): FeatureSplit[] {
  net.eval();
  let pooled: boolean | undefined;
  return splits.map((split) => {
    const { size } = split;
    const data = new ArrayDataset({ images: split.images, labels: split.labels, imageShape: [size, size, 3] });
    const chunks: Float32Array[] = [];
    let shape: [number, number, number] = [0, 0, 0];
    for (const { x, y } of batches(data, { batchSize, batchTransform: normalizeT })) {
      const f = tf.tidy(() => {
        const map = net.model.forwardFeatures(x);
        pooled ??= headStartsWithPooling(net, map);
        return pooled ? tf.mean(map, [1, 2], true) : map;
      });
      shape = f.shape.slice(1) as [number, number, number];
      chunks.push(f.dataSync() as Float32Array);
      tf.dispose([x, y, f]);
    }
    const features = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const c of chunks) {
      features.set(c, offset);
      offset += c.length;
    }
    return { features, labels: split.labels, shape };
  });
}

/** Whether the head's logits on the globally pooled map equal those on the map itself. */
function headStartsWithPooling(net: FinetuneNet, map: tf.Tensor): boolean {
  return tf.tidy(() => {
    const full = net.model.forwardHead(map);
    const pooled = net.model.forwardHead(tf.mean(map, [1, 2], true));
    const scale = tf.max(tf.abs(full)).dataSync()[0];
    return tf.max(tf.abs(tf.sub(full, pooled))).dataSync()[0] <= 1e-5 * Math.max(1, scale);
  });
}

/** Batches of cached features, drawn in the order the image batches would be (same seed). */
export function featureBatches(split: FeatureSplit, options: { batchSize: number; shuffle?: boolean; seed?: number }) {
  return batches(new ArrayDataset({ images: split.features, labels: split.labels, imageShape: split.shape }), options);
}
