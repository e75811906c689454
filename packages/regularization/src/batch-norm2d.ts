import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, batchNormTrain, Module, OptionError, ShapeError, shapeString } from '@convkit/core';

export interface BatchNorm2dOptions {
  eps?: number;
  /** Weight of the new batch in the running estimate (PyTorch's convention); `null` = cumulative average. */
  momentum?: number | null;
  /** Learnable γ and β. */
  affine?: boolean;
  /** Keep running statistics (else batch statistics are used in evaluation too). */
  trackRunningStats?: boolean;
}

/**
 * PyTorch's `nn.BatchNorm2d` on NHWC input. Training normalises with the batch's biased
 * variance and feeds the unbiased one to the running estimate. A frozen BatchNorm2d
 * (`freeze()`) normalises with its running statistics and never updates them, even in `train()`.
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly weight: tf.Variable | null = null;
  readonly bias: tf.Variable | null = null;
  readonly runningMean: tf.Variable | null = null;
  readonly runningVar: tf.Variable | null = null;
  readonly numBatchesTracked: tf.Variable | null = null;

  constructor(numFeatures: number, { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true }: BatchNorm2dOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1)
      throw new OptionError('BatchNorm2d', `numFeatures must be a positive integer, got ${numFeatures}`);
    if (!(eps > 0)) throw new OptionError('BatchNorm2d', `eps must be > 0, got ${eps}`);
    if (momentum !== null && !(momentum >= 0 && momentum <= 1))
      throw new OptionError('BatchNorm2d', `momentum must be in [0, 1] or null, got ${momentum}`);
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    if (affine) {
      this.weight = this.registerParameter('weight', tf.ones([numFeatures]));
      this.bias = this.registerParameter('bias', tf.zeros([numFeatures]));
    }
    if (trackRunningStats) {
      this.runningMean = this.registerBuffer('running_mean', tf.zeros([numFeatures]));
      this.runningVar = this.registerBuffer('running_var', tf.ones([numFeatures]));
      this.numBatchesTracked = this.registerBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
    }
  }

  override get typeName(): string {
    return 'BatchNorm2d';
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.numFeatures) {
      throw new ShapeError('BatchNorm2d', `expected NHWC input with ${this.numFeatures} channels, got ${shapeString(x.shape)}`);
    }
    const params = { weight: this.weight as tf.Tensor1D | null, bias: this.bias as tf.Tensor1D | null, eps: this.eps };
    const useBatchStats = this.runningMean === null || (this.training && !this.frozen);
    if (!useBatchStats) return batchNorm(x, this.runningMean as tf.Tensor1D, this.runningVar as tf.Tensor1D, params);
    const stats = batchNormTrain(x, params);
    if (this.training && !this.frozen && this.runningMean) this.updateRunningStats(stats.mean, stats.unbiasedVariance);
    tf.dispose([stats.mean, stats.variance, stats.unbiasedVariance]);
    return stats.output;
  }

  private updateRunningStats(mean: tf.Tensor1D, unbiasedVariance: tf.Tensor1D): void {
    const tracked = this.numBatchesTracked as tf.Variable;
    tf.tidy(() => {
      const count = tf.add(tracked, tf.scalar(1, 'int32'));
      // The cumulative average (momentum null) weighs the new batch by 1/count, kept on the device.
      const factor = this.momentum ?? tf.div(1, tf.cast(count, 'float32'));
      tracked.assign(count);
      const blend = (old: tf.Variable, batch: tf.Tensor) => old.assign(tf.add(tf.mul(old, tf.sub(1, factor)), tf.mul(batch, factor)));
      blend(this.runningMean as tf.Variable, mean);
      blend(this.runningVar as tf.Variable, unbiasedVariance);
    });
  }
}
