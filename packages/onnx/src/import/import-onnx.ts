import { OnnxFormatError } from '../errors';
import { type ImportOnnxOptions, OnnxModel } from './onnx-model';
import { cutGraph } from './cut';
import { readGraph } from './read-graph';

/** The opsets whose op definitions the importer follows. */
export const IMPORT_MIN_OPSET = 7;
export const IMPORT_MAX_OPSET = 17;

/**
 * Reads an ONNX file (e.g. from `torch.onnx.export`) into a trainable convkit Module: the weights
 * become parameters named after the PyTorch modules they came from (recovered from node scopes),
 * BatchNorm keeps its running statistics as buffers, and the graph runs NHWC with convkit's ops.
 * Export with `training=torch.onnx.TrainingMode.PRESERVE` to keep BatchNorm (and every state-dict
 * name) when you mean to fine-tune. `outputs` cuts the graph at inner values (a feature extractor
 * to put a new head on). The model comes back in eval mode, as the file's graph is an inference
 * graph: call `train()` (or let `fit` do it) to fine-tune.
 */
export async function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): Promise<OnnxModel> {
  const graph = readGraph(bytes, { externalData: options.externalData });
  if (graph.opset < IMPORT_MIN_OPSET || graph.opset > IMPORT_MAX_OPSET)
    throw new OnnxFormatError(
      'importOnnx',
      'opset_import',
      `opset ${graph.opset} is not supported yet (the importer follows opsets ${IMPORT_MIN_OPSET} to ${IMPORT_MAX_OPSET})`,
    );
  const model = new OnnxModel(options.outputs?.length ? cutGraph(graph, options.outputs) : graph, options);
  model.eval();
  return model;
}
