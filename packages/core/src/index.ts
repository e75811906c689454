import '#register-gradients';

export * from './errors';
export { closestName, levenshtein } from './closest-name';
export * from './types';
export * from './formulas';
export { float16ToFloat32 } from './float16';
export * from './random';
export { init, skipInit } from './init';
export { Module, type StateDict, type LoadResult } from './module';
export { ImageClassifier, type ClassifierOptions, type WeightsEntry, type EvalTransforms } from './classifier';
export type { ModelSummary, SummaryRow } from './summary';
export { selectBackend, registerBackendDetails, knownBackends, type BackendReport, type BackendAttempt } from './backend';
export { overrideKernels, type KernelOverride } from './kernel-override';
export { sameShape, shapeString, toPair, type Pair } from './validate';
export {
  chooseConversion,
  flattenedInputs,
  parameterConversion,
  toPytorchShape,
  toPytorchValues,
  toTfjsShape,
  toTfjsValues,
  type FlattenedInput,
  type Layout,
  type LayoutConversion,
} from './layout';
export * from './ops/activation';
export * from './ops/gelu';
export * from './ops/layer-norm';
export * from './ops/conv';
export * from './ops/pool';
export * from './ops/linear';
export * from './ops/batch-norm';
export * from './ops/dropout';
