export { createModel, listModels, modelInfo, type ModelInfo } from './registry';
export { SmallCNN, smallCnn, type SmallCNNOptions } from './small-cnn';
