import * as tf from '@tensorflow/tfjs-core';
import { FormatError, type Module, OptionError, StateDictError } from '@convkit/core';
import { applyWeights, parseSafetensors, writeSafetensors } from '@convkit/weights';
import type { BaseHyper, Optimizer, OptimizerState } from '../optim/optimizer';
import type { Scheduler, SchedulerState } from '../schedulers/scheduler';

/** Optimizer tensors live under this prefix; `/` never occurs in a module path, so keys cannot clash. */
const PREFIX = 'optimizer/';
const META_KEY = 'convkit.training';

export interface TrainingStateParts {
  model: Module;
  optimizer: Optimizer<BaseHyper>;
  scheduler?: Scheduler;
}

interface Meta {
  version: 1;
  /** The last finished epoch (0-based). */
  epoch: number;
  paramGroups: OptimizerState['paramGroups'];
  counters: Record<number, Record<string, number>>;
  scheduler?: SchedulerState;
}

// JSON has no Infinity/NaN (ReduceLROnPlateau's initial best is ±Infinity).
const replacer = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v);
const reviver = (_k: string, v: unknown) => (v && typeof v === 'object' && '$number' in v ? Number((v as { $number: string }).$number) : v);

/**
 * Everything needed to resume training, as one safetensors file: the model's state dict under
 * its own keys (so `loadWeights(model, bytes, { strict: false })` reads the weights alone),
 * the optimizer's buffers under `optimizer/<index>/<name>`, and the optimizer's groups, the
 * scheduler's state and the epoch as JSON metadata.
 */
export function saveTrainingState({ model, optimizer, scheduler }: TrainingStateParts, epoch: number): Uint8Array {
  const { state, paramGroups } = optimizer.stateDict();
  const tensors: Record<string, tf.Tensor> = { ...model.stateDict() };
  const counters: Meta['counters'] = {};
  for (const [index, entries] of Object.entries(state)) {
    for (const [name, v] of Object.entries(entries)) {
      if (v instanceof tf.Tensor) tensors[`${PREFIX}${index}/${name}`] = v;
      else (counters[Number(index)] ??= {})[name] = v;
    }
  }
  const meta: Meta = { version: 1, epoch, paramGroups, counters, scheduler: scheduler?.stateDict() };
  return writeSafetensors(tensors, { metadata: { format: 'convkit', layout: 'tfjs', [META_KEY]: JSON.stringify(meta, replacer) } });
}

/**
 * Restores a `saveTrainingState` file into the model, optimizer and scheduler (built the same
 * way as when it was saved) and returns the epoch it was saved after. The model and optimizer
 * parts are checked before anything is written.
 */
export function loadTrainingState(bytes: Uint8Array, { model, optimizer, scheduler }: TrainingStateParts): { epoch: number } {
  const file = parseSafetensors(bytes, 'training state');
  const raw = file.metadata[META_KEY];
  if (!raw)
    throw new FormatError(
      'loadTrainingState',
      `no '${META_KEY}' metadata: this is not a training-state checkpoint (saveWeights files hold weights only)`,
    );
  const meta = JSON.parse(raw, reviver) as Meta;
  if (meta.scheduler === undefined && scheduler)
    throw new OptionError('loadTrainingState.scheduler', 'the checkpoint holds no scheduler state');
  checkModel(
    model,
    file.tensors.filter((t) => !t.key.startsWith(PREFIX)),
  );
  const dict: OptimizerState = { paramGroups: meta.paramGroups, state: {} };
  for (const [index, counters] of Object.entries(meta.counters)) dict.state[Number(index)] = { ...counters };
  const made: tf.Tensor[] = [];
  try {
    for (const t of file.tensors.filter((t) => t.key.startsWith(PREFIX))) {
      const [index, name] = t.key.slice(PREFIX.length).split('/');
      const tensor = tf.tensor(t.read().slice(), t.shape, t.dtype === 'F32' ? 'float32' : 'int32');
      made.push(tensor);
      (dict.state[Number(index)] ??= {})[name] = tensor;
    }
    optimizer.loadStateDict(dict);
  } finally {
    tf.dispose(made);
  }
  applyWeights(model, file, { ignore: /^optimizer\// });
  if (scheduler && meta.scheduler) scheduler.loadStateDict(meta.scheduler);
  return { epoch: meta.epoch };
}

/** The file was written from a model's own state dict: keys and shapes must match exactly. */
function checkModel(model: Module, tensors: { key: string; shape: number[] }[]): void {
  const own = model.stateDict();
  const byKey = new Map(tensors.map((t) => [t.key, t.shape]));
  const missing = Object.keys(own).filter((k) => !byKey.has(k));
  const unexpected = [...byKey.keys()].filter((k) => !(k in own));
  const mismatched = Object.entries(own)
    .filter(([k, v]) => byKey.has(k) && (byKey.get(k) as number[]).join() !== v.shape.join())
    .map(([key, v]) => ({ key, expected: v.shape, actual: byKey.get(key) as number[] }));
  if (missing.length || unexpected.length || mismatched.length)
    throw new StateDictError('loadTrainingState', { missing, unexpected, mismatched });
}
