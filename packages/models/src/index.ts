export { createModel, listModels, modelInfo, type ModelInfo, type ModelSource } from './registry';
export { SmallCNN, smallCnn, type SmallCNNOptions } from './small-cnn';
