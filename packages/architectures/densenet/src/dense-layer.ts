import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, batchNormTrain, dropout, type Generator, Module } from '@convkit/core';
import { AvgPool2d, Conv2d, ReLU } from '@convkit/layers';
import { BatchNorm2d } from '@convkit/regularization';

/** Channel slice `[offset, offset + size)` of a per-channel vector. */
const part = (v: tf.Tensor | null, offset: number, size: number) => (v ? (tf.slice(v, offset, size) as tf.Tensor1D) : null);

/** PyTorch's running-statistics update, for a BatchNorm whose batch statistics were computed per chunk. */
function updateRunningStats(norm: BatchNorm2d, mean: tf.Tensor, unbiasedVariance: tf.Tensor): void {
  const tracked = norm.numBatchesTracked as tf.Variable;
  tf.tidy(() => {
    const count = tf.add(tracked, tf.scalar(1, 'int32'));
    const factor = norm.momentum ?? tf.div(1, tf.cast(count, 'float32'));
    tracked.assign(count);
    const blend = (old: tf.Variable, batch: tf.Tensor) => old.assign(tf.add(tf.mul(old, tf.sub(1, factor)), tf.mul(batch, factor)));
    blend(norm.runningMean as tf.Variable, mean);
    blend(norm.runningVar as tf.Variable, unbiasedVariance);
  });
}

interface ChunkParams {
  /** BatchNorm γ and β (null: not affine). */
  weight: tf.Tensor | null;
  bias: tf.Tensor | null;
  eps: number;
  /** Running statistics to normalise with; null: batch statistics. */
  running: { mean: tf.Tensor; variance: tf.Tensor } | null;
  /** The 1×1 conv weight `[1,1,C,out]`. */
  kernel: tf.Tensor;
}

/**
 * `conv(relu(norm(concat(chunks))))` for a 1×1 bias-free conv, without the concatenation:
 * BatchNorm and ReLU act per channel and a 1×1 conv sums over input channels, so each chunk is
 * normalised with its slice of the statistics, convolved with its slice of the weight, and added
 * up. Also returns the batch mean and unbiased variance per channel when normalising with them.
 */
function normReluConvSum(chunks: tf.Tensor[], p: ChunkParams): { out: tf.Tensor; stats: tf.Tensor[] } {
  const stats: tf.Tensor[] = [];
  let sum: tf.Tensor | null = null;
  let offset = 0;
  for (const x of chunks) {
    const size = x.shape[3] as number;
    const [z, mean, variance] = tf.tidy(() => {
      const params = { weight: part(p.weight, offset, size), bias: part(p.bias, offset, size), eps: p.eps };
      const w = tf.slice(p.kernel, [0, 0, offset, 0], [1, 1, size, p.kernel.shape[3] as number]) as tf.Tensor4D;
      if (p.running) {
        const y = batchNorm(
          x,
          part(p.running.mean, offset, size) as tf.Tensor1D,
          part(p.running.variance, offset, size) as tf.Tensor1D,
          params,
        );
        return [tf.conv2d(tf.relu(y) as tf.Tensor4D, w, 1, 'valid')];
      }
      const s = batchNormTrain(x, params);
      return [tf.conv2d(tf.relu(s.output) as tf.Tensor4D, w, 1, 'valid'), s.mean, s.unbiasedVariance];
    });
    if (mean && variance) stats.push(mean, variance);
    // Accumulating keeps one normalised chunk alive at a time.
    const next: tf.Tensor = sum ? tf.add(sum, z) : z;
    if (sum) tf.dispose([sum, z]);
    sum = next;
    offset += size;
  }
  const pick = (k: number) => tf.concat(stats.filter((_, i) => i % 2 === k));
  const merged = stats.length > 0 ? [pick(0), pick(1)] : [];
  tf.dispose(stats);
  return { out: sum as tf.Tensor, stats: merged };
}

/**
 * `conv(relu(norm(concat(chunks))))` computed chunk by chunk. In training the intermediate maps
 * are not kept for the backward pass (every recorded tfjs op would keep its inputs: a normalised
 * copy of the whole stack per layer); the backward pass recomputes them from the chunks, as
 * torchvision's `memory_efficient` checkpointing does. Batch statistics, the running-statistics
 * update and every gradient are those of the concatenated form.
 */
export function chunkedNormReluConv(chunks: tf.Tensor[], norm: BatchNorm2d, conv: Conv2d): tf.Tensor {
  const batchStats = norm.runningMean === null || (norm.training && !norm.frozen);
  const base = { weight: norm.weight, bias: norm.bias, eps: norm.eps, kernel: conv.weight };
  if (!batchStats) {
    const running = { mean: norm.runningMean as tf.Tensor, variance: norm.runningVar as tf.Tensor };
    return normReluConvSum(chunks, { ...base, running }).out;
  }
  const n = chunks.length;
  const affine = norm.weight !== null && norm.bias !== null;
  const run = (t: tf.Tensor[]) =>
    normReluConvSum(t.slice(0, n), {
      eps: norm.eps,
      kernel: t[n],
      weight: affine ? t[n + 1] : null,
      bias: affine ? t[n + 2] : null,
      running: null,
    });
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const inputs = args as tf.Tensor[];
    save(inputs);
    const r = run(inputs);
    tf.dispose(r.stats);
    return {
      value: r.out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        normReluConvGrad(dy, saved.slice(0, n), saved[n], affine ? saved[n + 1] : null, affine ? saved[n + 2] : null, norm.eps),
    };
  });
  const out = f(...chunks, conv.weight, ...(affine ? [norm.weight as tf.Tensor, norm.bias as tf.Tensor] : []));
  if (norm.training && !norm.frozen && norm.runningMean) {
    tf.tidy(() => {
      const [mean, variance] = tf.unstack(batchStatistics(chunks));
      updateRunningStats(norm, mean, variance);
    });
  }
  return out;
}

/**
 * The backward pass of `normReluConvSum` on batch statistics, recomputing each chunk's normalised
 * map: gradients for the chunks, the conv weight and (when `weight` is given) γ and β.
 */
function normReluConvGrad(
  dy: tf.Tensor,
  chunks: tf.Tensor[],
  kernel: tf.Tensor,
  weight: tf.Tensor | null,
  bias: tf.Tensor | null,
  eps: number,
): tf.Tensor[] {
  const outChannels = kernel.shape[3] as number;
  const dy2 = tf.reshape(dy, [-1, outChannels]) as tf.Tensor2D;
  const parts: tf.Tensor[][] = [];
  let offset = 0;
  for (const x of chunks) {
    const size = x.shape[3] as number;
    parts.push(
      tf.tidy(() => {
        const axes = [0, 1, 2];
        const { mean, variance } = tf.moments(x, axes);
        const rstd = tf.rsqrt(tf.add(variance, eps));
        const xhat = tf.mul(tf.sub(x, mean), rstd);
        const gamma = weight ? tf.slice(weight, offset, size) : tf.onesLike(mean);
        const beta = bias ? tf.slice(bias, offset, size) : tf.zerosLike(mean);
        const y = tf.add(tf.mul(xhat, gamma), beta);
        const w = tf.reshape(tf.slice(kernel, [0, 0, offset, 0], [1, 1, size, outChannels]), [size, outChannels]) as tf.Tensor2D;
        const dw = tf.reshape(tf.matMul(tf.reshape(tf.relu(y), [-1, size]) as tf.Tensor2D, dy2, true, false), [1, 1, size, outChannels]);
        // ReLU passes the gradient where its input is positive (PyTorch's threshold_backward).
        const dn = tf.mul(tf.reshape(tf.matMul(dy2, w, false, true), x.shape), tf.step(y));
        const dbeta = tf.sum(dn, axes);
        const dgamma = tf.sum(tf.mul(dn, xhat), axes);
        const dx = tf.mul(tf.mul(gamma, rstd), tf.sub(tf.sub(dn, tf.mean(dn, axes)), tf.mul(xhat, tf.mean(tf.mul(dn, xhat), axes))));
        return [dx, dw, dgamma, dbeta];
      }),
    );
    offset += size;
  }
  const grads = [
    ...parts.map((g) => g[0]),
    tf.concat(
      parts.map((g) => g[1]),
      2,
    ),
  ];
  if (weight) grads.push(tf.concat(parts.map((g) => g[2])), tf.concat(parts.map((g) => g[3])));
  tf.dispose([dy2, ...parts.flatMap((g) => g.slice(1))]);
  return grads;
}

/**
 * Per-channel batch mean and unbiased variance of the concatenated chunks, `[2, C]`, recorded
 * as one op that keeps nothing for the backward pass (running statistics take no gradient).
 */
const batchStatistics = (chunks: tf.Tensor[]) =>
  tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args.slice(0, -1) as tf.Tensor[];
    const count = xs[0].size / (xs[0].shape[3] as number);
    const rows = xs.map((x) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.stack([mean, tf.mul(variance, count / (count - 1))]);
    });
    return { value: tf.concat(rows, 1), gradFunc: () => xs.map((x) => tf.zerosLike(x)) };
  })(...chunks);

/**
 * torchvision's `_DenseLayer`: BN → ReLU → 1×1 conv to `bnSize · growthRate` channels (the
 * bottleneck), BN → ReLU → 3×3 conv to `growthRate` channels, then dropout. Its input is the list
 * of all earlier feature maps of the block, read chunk by chunk (never concatenated).
 */
export class DenseLayer extends Module {
  override get typeName(): string {
    return 'DenseLayer';
  }

  readonly norm1: BatchNorm2d;
  readonly conv1: Conv2d;
  readonly norm2: BatchNorm2d;
  readonly conv2: Conv2d;

  constructor(
    readonly numInputFeatures: number,
    growthRate: number,
    bnSize: number,
    readonly dropRate: number,
    private readonly generator?: Generator,
  ) {
    super();
    const width = bnSize * growthRate;
    this.norm1 = this.registerModule('norm1', new BatchNorm2d(numInputFeatures));
    this.registerModule('relu1', new ReLU());
    this.conv1 = this.registerModule('conv1', new Conv2d(numInputFeatures, width, 1, { bias: false, generator: generator }));
    this.norm2 = this.registerModule('norm2', new BatchNorm2d(width));
    this.registerModule('relu2', new ReLU());
    this.conv2 = this.registerModule('conv2', new Conv2d(width, growthRate, 3, { padding: 1, bias: false, generator: generator }));
  }

  /** The bottleneck `conv1(relu1(norm1(concat(features))))`; tracing runs the modules as written. */
  bottleneck(features: tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Module.tracing) return chunkedNormReluConv(features, this.norm1, this.conv1);
      const x = features.length === 1 ? features[0] : tf.concat(features, 3);
      return this.conv1.forward(tf.relu(this.norm1.forward(x)));
    });
  }

  /** `growthRate` new channels from the block's feature maps so far. */
  forwardList(features: tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const b = this.bottleneck(features);
      const y = tf.relu(this.norm2.forward(b));
      const out = this.conv2.forward(y);
      return dropout(out, this.dropRate, { training: this.training, generator: this.generator });
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.forwardList([x]);
  }
}

/** torchvision's `_Transition`: BN → ReLU → 1×1 conv (halving the channels) → 2×2 average pool. */
export class Transition extends Module {
  override get typeName(): string {
    return 'Transition';
  }

  readonly norm: BatchNorm2d;
  readonly conv: Conv2d;
  readonly pool: AvgPool2d;

  constructor(inFeatures: number, outFeatures: number, g?: Generator) {
    super();
    this.norm = this.registerModule('norm', new BatchNorm2d(inFeatures));
    this.registerModule('relu', new ReLU());
    this.conv = this.registerModule('conv', new Conv2d(inFeatures, outFeatures, 1, { bias: false, generator: g }));
    this.pool = this.registerModule('pool', new AvgPool2d({ kernelSize: 2, stride: 2 }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.pool.forward(this.conv.forward(tf.relu(this.norm.forward(x)))));
  }
}
