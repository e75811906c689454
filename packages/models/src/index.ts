export { createModel, listModels, modelInfo, type ModelInfo, type ModelSource } from './registry';
export { modelsMatchingKeys, type ModelFit } from './match-keys';
export { SmallCNN, smallCnn, type SmallCNNOptions } from './small-cnn';
