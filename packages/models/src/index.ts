export { createModel, listModels, modelInfo, type ModelInfo } from './registry';
