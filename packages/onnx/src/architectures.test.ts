import { listModels } from '@convkit/models';
import { describeOnnxParity, isMobile } from '../test/architecture-parity';

describeOnnxParity(
  'exportOnnx: every architecture in listModels() but VGG and the mobile families matches convkit on onnxruntime-node',
  listModels()
    .filter((m) => !m.name.startsWith('vgg') && !isMobile(m))
    .map((m) => m.name),
);
