import { listModels } from '@convkit/models';
import { describeOnnxParity } from '../test/architecture-parity';

describeOnnxParity(
  'exportOnnx: every VGG in listModels() matches convkit on onnxruntime-node',
  listModels()
    .map((m) => m.name)
    .filter((name) => name.startsWith('vgg')),
);
