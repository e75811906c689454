export { exportOnnx, registerOnnxMapping, type ExportOnnxOptions, MIN_OPSET, MAX_OPSET, DEFAULT_OPSET } from './export-onnx';
export { toOnnxRuntime, OnnxPredictor, type ToOnnxRuntimeOptions, type OrtModule } from './onnx-predictor';
export { UnsupportedModuleError, MissingPeerError } from './errors';
export { MappingContext, type OnnxMapping, type ExportSettings } from './mapping-context';
export type { OnnxValue, OnnxGraph } from './onnx-graph';
export { importOnnx, IMPORT_MIN_OPSET, IMPORT_MAX_OPSET } from './import/import-onnx';
export { OnnxModel, SUPPORTED_ONNX_OPS, type ImportOnnxOptions } from './import/onnx-model';
export { UnsupportedOnnxError } from './errors';
export {
  decodeOnnxModel,
  DECODE_MIN_OPSET,
  DECODE_MAX_OPSET,
  MAX_ONNX_BYTES,
  type DecodeOnnxOptions,
  type OnnxModelInfo,
  type OnnxNode,
  type OnnxAttribute,
  type OnnxValueInfo,
} from './import/decode';
export { MAX_TENSOR_ELEMENTS, type OnnxTensor, type OnnxTensorDtype } from './import/decode-tensor';
export { inspectOnnx, looksLikeOnnx, type OnnxInspection } from './import/inspect';
export { OnnxFormatError } from './errors';
