// The ONNX parity suite for the mobile families (MobileNet, MNASNet, ShuffleNetV2, SqueezeNet,
// EfficientNetV2), a file of its own so that the Node suite's workers share the exports.
import { listModels } from '@convkit/models';
import { describeOnnxParity, isMobile } from '../test/architecture-parity';

describeOnnxParity(
  'exportOnnx: every mobile-family model in listModels() matches convkit on onnxruntime-node',
  listModels()
    .filter(isMobile)
    .map((m) => m.name),
);
