import type * as tf from '@tensorflow/tfjs-core';
import { Module } from '@convkit/core';

/**
 * A module of the recovered tree (`layer1`, `layer1.0`, `layer1.0.conv1`): it only holds
 * parameters, so `freeze('layer1')` and the state-dict paths work as on a torchvision model.
 * The graph runs from the root.
 */
export class ParamTree extends Module {
  override get typeName(): string {
    return 'OnnxScope';
  }

  forward(_x?: tf.Tensor): tf.Tensor {
    throw new Error('an imported ONNX scope holds parameters; run the model from its root');
  }

  /** Registers `value` under the dotted `key`, creating the modules on the way. */
  add(key: string, value: tf.Tensor, buffer: boolean): tf.Variable {
    const parts = key.split('.');
    const name = parts.pop() as string;
    let m: ParamTree = this;
    for (const part of parts) {
      const child = m.namedChildren().find(([n]) => n === part)?.[1] as ParamTree | undefined;
      m = child ?? m.registerModule(part, new ParamTree());
    }
    return buffer ? m.registerBuffer(name, value) : m.registerParameter(name, value);
  }
}
