import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@convkit/core';
import { runFolded } from './fold';

/** `nn.Sequential`: children named `0`, `1`, … run in order. */
export class Sequential extends Module {
  private count = 0;

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  override get typeName(): string {
    return 'Sequential';
  }

  /** Adds a module under the next index. */
  append(module: Module): this {
    this.registerModule(String(this.count++), module);
    return this;
  }

  get length(): number {
    return this.count;
  }

  /** The child at an index (negative counts from the end). */
  at(index: number): Module {
    return this.getModule(this.key(index));
  }

  /** Replaces the child at an index, as `seq[6] = nn.Linear(4096, 10)` does in PyTorch. */
  set(index: number, module: Module): void {
    this.setModule(this.key(index), module);
  }

  private key(index: number): string {
    return String(index < 0 ? this.count + index : index);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => (this.training ? this.children().reduce((y, m) => m.forward(y), x) : runFolded(this.children(), x)));
  }
}
