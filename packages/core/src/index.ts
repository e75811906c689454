import '#register-gradients';

export * from './errors';
export { closestName, levenshtein } from './closest-name';
export * from './types';
export * from './formulas';
export * from './random';
export { init } from './init';
export { Module, type StateDict, type LoadResult } from './module';
export { ImageClassifier, type ClassifierOptions, type WeightsEntry, type EvalTransforms } from './classifier';
export type { ModelSummary, SummaryRow } from './summary';
export { selectBackend, registerBackendDetails, knownBackends, type BackendReport, type BackendAttempt } from './backend';
export { shapeString, toPair, type Pair } from './validate';
export * from './ops/activation';
export * from './ops/conv';
export * from './ops/pool';
export * from './ops/linear';
export * from './ops/batch-norm';
export * from './ops/dropout';
