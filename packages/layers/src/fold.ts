import * as tf from '@tensorflow/tfjs-core';
import { activation as applyActivation, type ActivationName, Module } from '@convkit/core';
import { BatchNorm2d } from '@convkit/regularization';
import { Activation } from './activations';
import { Conv2d } from './conv2d';

/** Whether `norm` can be folded into the conv before it: both evaluate with running statistics. */
export function canFold(conv: Conv2d, norm: Module | null | undefined): boolean {
  return (
    !Module.tracing &&
    norm instanceof BatchNorm2d &&
    !conv.training &&
    !norm.training &&
    norm.runningMean !== null &&
    norm.numFeatures === conv.outChannels
  );
}

/**
 * Conv → BatchNorm (→ + residual) → activation. In evaluation the norm is folded into the conv
 * and the residual add and activation fused (one kernel call); in training it runs as written,
 * so gradients and running statistics are PyTorch's.
 */
export function convNormAct(
  x: tf.Tensor,
  conv: Conv2d,
  norm: BatchNorm2d | null,
  act: ActivationName = 'linear',
  residual: tf.Tensor | null = null,
): tf.Tensor {
  if (norm && canFold(conv, norm)) return conv.forwardFolded(x, norm, act, residual);
  return tf.tidy(() => {
    const y = norm ? norm.forward(conv.forward(x)) : conv.forward(x);
    return applyActivation(residual ? tf.add(y, residual) : y, act);
  });
}

/** Runs modules in order (evaluation), making each Conv2d (→ BatchNorm2d) (→ activation) run one conv call. */
export function runFolded(modules: Module[], x: tf.Tensor): tf.Tensor {
  let y = x;
  for (let i = 0; i < modules.length; i++) {
    const m = modules[i];
    if (!(m instanceof Conv2d) || m.training || Module.tracing) {
      y = m.forward(y);
      continue;
    }
    const norm = canFold(m, modules[i + 1]) ? (modules[++i] as BatchNorm2d) : null;
    const next = modules[i + 1];
    const act = next instanceof Activation && !next.training ? next.kind : 'linear';
    if (act !== 'linear') i++;
    y = m.forwardFolded(y, norm, act);
  }
  return y;
}

/** One conv → norm → activation step of a block, whatever its modules are called. */
export interface ConvUnit {
  conv: Conv2d;
  norm: BatchNorm2d;
  activation: ActivationName;
}

/** {@link convNormAct} on a unit: folded into one conv (with the residual add) in evaluation. */
export function runUnit(x: tf.Tensor, { conv, norm, activation }: ConvUnit, residual: tf.Tensor | null = null): tf.Tensor {
  return convNormAct(x, conv, norm, activation, residual);
}
