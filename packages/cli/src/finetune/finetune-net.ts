import type * as tf from '@tensorflow/tfjs-core';
import { closestName, type ImageClassifier, Module } from '@convkit/core';
import { UsageError } from '../model-name';

const under = (path: string, prefix: string) => prefix === '' || path === prefix || path.startsWith(`${prefix}.`);

/**
 * The classifier as `fit` trains it. A frozen part is a fixed function: it stays in eval mode
 * while the rest trains (running BatchNorm statistics, no dropout or stochastic depth), so
 * its output depends on the image alone — which is also what makes cached features exact.
 * `headOnly` runs `forwardHead` on cached features instead of the whole model.
 */
export class FinetuneNet extends Module {
  constructor(
    readonly model: ImageClassifier,
    readonly headOnly = false,
  ) {
    super();
    this.registerModule('model', model);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.headOnly ? this.model.forwardHead(x) : this.model.forward(x);
  }

  override train(mode = true): this {
    super.train(mode);
    if (mode) {
      for (const [, m] of this.model.namedModules()) if (m.frozen && m.parameters().every((v) => !v.trainable)) m.training = false;
    }
    return this;
  }
}

/** True when only the head (`classifierPath`) trains: the backbone's output can be computed once. */
export function onlyHeadTrains(model: ImageClassifier): boolean {
  return model.namedParameters().every(([key, v]) => !v.trainable || under(key, model.classifierPath));
}

/** Checks a `--freeze`/`--unfreeze-at` prefix against the model's module paths, with a suggestion. */
export function checkPrefix(model: ImageClassifier, name: string, option: string, prefix: string): void {
  const paths = model.namedModules().map(([p]) => p);
  if (paths.some((p) => p !== '' && under(p, prefix))) return;
  const top = paths.filter((p) => p && !p.includes('.'));
  const near = closestName(
    prefix,
    paths.filter((p) => p),
  );
  throw new UsageError(
    `${option}: ${name} has no module '${prefix}'${near ? `; did you mean ${near}?` : ''} (its top-level modules: ${top.join(', ')}; 'backbone' freezes all but ${model.classifierPath})`,
  );
}

/** Applies `--freeze backbone|none|<prefix>`. */
export function applyFreeze(model: ImageClassifier, name: string, freeze: string): void {
  if (freeze === 'none') return;
  if (freeze === 'backbone') {
    model.freezeBackbone();
    return;
  }
  checkPrefix(model, name, '--freeze', freeze);
  model.freeze(freeze);
}
