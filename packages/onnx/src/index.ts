export { exportOnnx, registerOnnxMapping, type ExportOnnxOptions, MIN_OPSET, MAX_OPSET, DEFAULT_OPSET } from './export-onnx';
export { toOnnxRuntime, OnnxPredictor, type ToOnnxRuntimeOptions, type OrtModule } from './onnx-predictor';
export { UnsupportedModuleError, MissingPeerError } from './errors';
export { MappingContext, type OnnxMapping, type ExportSettings } from './mapping-context';
export type { OnnxValue, OnnxGraph } from './onnx-graph';
