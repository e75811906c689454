export { crossEntropy, type CrossEntropyOptions } from './losses/cross-entropy';
export { nllLoss } from './losses/nll-loss';
export type { ClassLossOptions } from './losses/class-index-loss';
export { binaryCrossEntropyWithLogits, type BinaryCrossEntropyOptions } from './losses/binary-cross-entropy';
export { mseLoss } from './losses/mse-loss';
export type { Reduction } from './losses/reduction';
export { Optimizer, type BaseHyper, type OptimizerState, type ParamGroup, type ParamGroupInput, type ParamState } from './optim/optimizer';
export { SGD, type SGDOptions, type SGDHyper } from './optim/sgd';
export { Adam, type AdamOptions, type AdamHyper } from './optim/adam';
export { AdamW } from './optim/adamw';
export { LRScheduler, type Scheduler, type SchedulerState } from './schedulers/scheduler';
export { StepLR } from './schedulers/step-lr';
export { MultiStepLR } from './schedulers/multi-step-lr';
export { ExponentialLR } from './schedulers/exponential-lr';
export { CosineAnnealingLR } from './schedulers/cosine-annealing-lr';
export { LambdaLR } from './schedulers/lambda-lr';
export { WarmupCosineLR, warmupCosine, type WarmupCosineOptions } from './schedulers/warmup-cosine';
export { OneCycleLR, type OneCycleOptions } from './schedulers/one-cycle-lr';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './schedulers/reduce-lr-on-plateau';
export { clipGradNorm, clipGradValue } from './clip';
export { accuracy, topKAccuracy, countTopK } from './metrics/accuracy';
export { ConfusionMatrix } from './metrics/confusion-matrix';
export { fit, type FitOptions, type History } from './fit/fit';
export { evaluate, type EvaluateOptions, type EvaluateResult } from './fit/evaluate';
export { EarlyStopping, type EarlyStoppingOptions } from './fit/early-stopping';
export { ModelCheckpoint, type ModelCheckpointOptions, type CheckpointInfo } from './fit/model-checkpoint';
export { saveTrainingState, loadTrainingState, type TrainingStateParts } from './fit/training-state';
export {
  yieldToEventLoop,
  type Callback,
  type DataBatch,
  type DataSource,
  type EpochLogs,
  type LossFn,
  type ProgressEvent,
  type TrainContext,
} from './fit/types';
