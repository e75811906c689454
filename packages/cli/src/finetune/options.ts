import { UsageError } from '../model-name';

export type Augment = 'none' | 'flip' | 'trivial' | 'rand' | 'auto';
export const AUGMENTS: readonly Augment[] = ['none', 'flip', 'trivial', 'rand', 'auto'];

/** What `convkit finetune` was asked to do, as commander hands it over. */
export interface FinetuneOptions {
  model: string;
  weights?: string;
  imageSize?: number;
  valSplit: number;
  epochs: number;
  lr?: number;
  batch: number;
  optimizer: 'sgd' | 'adamw';
  seed: number;
  freeze?: string;
  /** Undefined when the option was not given. */
  unfreezeAt?: UnfreezeStep[];
  augment: Augment;
  out: string;
  onnx?: boolean;
}

/** `--unfreeze-at 3:layer4`: from epoch 3 (1-based) on, `layer4` trains too. */
export interface UnfreezeStep {
  epoch: number;
  prefix: string;
}

export function parseValSplit(value: string): number {
  const v = Number(value);
  if (!(v > 0 && v < 1)) throw new UsageError(`--val-split must be a fraction between 0 and 1 (e.g. 0.2), got '${value}'`);
  return v;
}

export function parseOptimizer(value: string): 'sgd' | 'adamw' {
  if (value !== 'sgd' && value !== 'adamw') throw new UsageError(`--optimizer must be 'sgd' or 'adamw', got '${value}'`);
  return value;
}

export function parseAugment(value: string): Augment {
  if (!AUGMENTS.includes(value as Augment)) throw new UsageError(`--augment must be one of ${AUGMENTS.join(', ')}; got '${value}'`);
  return value as Augment;
}

/** Commander's collector for the repeatable, comma-separated `--unfreeze-at <epoch>:<prefix>`. */
export function collectUnfreeze(value: string, previous: UnfreezeStep[] = []): UnfreezeStep[] {
  const steps = value.split(',').map((part) => {
    const m = /^\s*(\d+)\s*:\s*(\S+)\s*$/.exec(part);
    if (!m || Number(m[1]) < 1)
      throw new UsageError(`--unfreeze-at takes <epoch>:<prefix> such as 3:layer4 (epochs count from 1), got '${part}'`);
    return { epoch: Number(m[1]), prefix: m[2] };
  });
  return [...previous, ...steps];
}
