export * from './densenet';
export { chunkedNormReluConv, DenseLayer, Transition } from './dense-layer';
