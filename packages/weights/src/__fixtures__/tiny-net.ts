import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { avgPool2d, batchNorm, conv2d, flatten, linear, Module } from '@convkit/core';

/** Reads a committed fixture as bytes. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, import.meta.url)));
}

/** A parameter holder standing in for the layer modules of @convkit/layers (not a dependency). */
export class Leaf extends Module {
  flattenedInput?: { height: number; width: number; channels: number };

  constructor(params: Record<string, number[]>, buffers: Record<string, [number[], 'float32' | 'int32']> = {}) {
    super();
    for (const [name, shape] of Object.entries(params)) this.registerParameter(name, tf.zeros(shape));
    for (const [name, [shape, dtype]] of Object.entries(buffers)) this.registerBuffer(name, tf.zeros(shape, dtype));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }

  get(name: string): tf.Tensor {
    const all = [...this.ownTensors().params, ...this.ownTensors().buffers];
    return all.find(([n]) => n === name)![1];
  }
}

/**
 * The net of scripts/fixtures/weights.py in convkit layouts: conv 3→4 → BN → ReLU → depthwise 3×3
 * → avgpool 2 → flatten (NHWC: H,W,C) → linear 16→5.
 */
export class TinyNet extends Module {
  conv1 = this.registerModule('conv1', new Leaf({ weight: [3, 3, 3, 4], bias: [4] }));
  bn1 = this.registerModule('bn1', new Leaf({ weight: [4], bias: [4] }, { running_mean: [[4], 'float32'], running_var: [[4], 'float32'], num_batches_tracked: [[], 'int32'] }));
  dw = this.registerModule('dw', new Leaf({ weight: [3, 3, 1, 4] }));
  fc = this.registerModule('fc', new Leaf({ weight: [16, 5], bias: [5] }));

  constructor(classes = 5) {
    super();
    if (classes !== 5) this.setModule('fc', new Leaf({ weight: [16, classes], bias: [classes] }));
    this.fc.flattenedInput = { height: 2, width: 2, channels: 4 };
  }

  forward(x: tf.Tensor): tf.Tensor {
    const c = conv2d(x as tf.Tensor4D, this.conv1.get('weight') as tf.Tensor4D, { padding: 1, bias: this.conv1.get('bias') as tf.Tensor1D });
    const b = tf.relu(batchNorm(c, this.bn1.get('running_mean') as tf.Tensor1D, this.bn1.get('running_var') as tf.Tensor1D, {
      weight: this.bn1.get('weight') as tf.Tensor1D, bias: this.bn1.get('bias') as tf.Tensor1D,
    }));
    const d = conv2d(b as tf.Tensor4D, this.dw.get('weight') as tf.Tensor4D, { padding: 1, groups: 4 });
    return linear(flatten(avgPool2d(d, { kernelSize: 2 })), this.fc.get('weight') as tf.Tensor2D, this.fc.get('bias') as tf.Tensor1D);
  }
}

/** A different architecture: same leaf names nowhere. */
export class OtherNet extends Module {
  features = this.registerModule('features', new Leaf({ weight: [3, 3, 3, 8] }));
  classifier = this.registerModule('classifier', new Leaf({ weight: [8, 10], bias: [10] }));

  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}
