import type { ActivationName } from '@convkit/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { GraphNode, StaticTensor } from './read-graph';
import type { Attributes, Value } from './values';

/** What an op implementation sees of its node while the graph runs. */
export interface OpContext {
  node: GraphNode;
  attrs: Attributes;
  /** Input values by position; `undefined` for an omitted optional input. Weights are the module's variables (tfjs layout). */
  inputs: (Value | undefined)[];
  opset: number;
  training: boolean;
  /** Whether the module holding this node's parameters is frozen (BatchNorm keeps its statistics). */
  frozen: boolean;
  /** Input `i`'s numbers when they are known before the tensors flow: an initializer, a Constant or shape arithmetic on the inputs' shapes. */
  known(i: number): StaticTensor | undefined;
  /** An activation fused into this Conv (the node after it, absorbed). */
  activation?: ActivationName;
  /** Replaces the buffer feeding input `i` (BatchNorm's running statistics). */
  assignBuffer(i: number, value: tf.Tensor): void;
}

export type OpRunner = (ctx: OpContext) => Value[];

/** The input at `i`, which the op needs. */
export function input(ctx: OpContext, i: number): Value {
  const v = ctx.inputs[i];
  if (!v) ctx.attrs.fail(`input ${i} is missing`);
  return v;
}

/** Input `i`'s numbers, which must be known when the op runs (an initializer, a Constant or a shape computation). */
export function knownInts(ctx: OpContext, i: number, what: string): number[] {
  const k = ctx.known(i);
  if (!k) ctx.attrs.fail(`input ${i} (${what}) must be known before the graph runs (a constant, or computed from shapes)`);
  return Array.from(k.values);
}
