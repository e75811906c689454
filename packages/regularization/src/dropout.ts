import type * as tf from '@tensorflow/tfjs-core';
import { dropout, dropout2d, type Generator, Module } from '@convkit/core';
import { assertP } from './validate';

/** Inverted dropout (`nn.Dropout`): a fresh mask per call and per element; identity in evaluation. */
export class Dropout extends Module {
  constructor(
    readonly p = 0.5,
    private readonly generator?: number | Generator,
  ) {
    super();
    assertP('Dropout', p);
  }

  override get typeName(): string {
    return 'Dropout';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return dropout(x, this.p, { training: this.training, generator: this.generator });
  }
}

/** Spatial dropout (`nn.Dropout2d`): zeroes whole channels per example; use 0.1–0.3 after conv layers. */
export class Dropout2d extends Module {
  constructor(
    readonly p = 0.5,
    private readonly generator?: number | Generator,
  ) {
    super();
    assertP('Dropout2d', p);
  }

  override get typeName(): string {
    return 'Dropout2d';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return dropout2d(x as tf.Tensor4D, this.p, { training: this.training, generator: this.generator });
  }
}
