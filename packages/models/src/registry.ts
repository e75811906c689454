import { type ClassifierOptions, type ImageClassifier, UnknownNameError, type WeightsEntry } from '@convkit/core';
import * as efficientnet from '@convkit/efficientnet';
import * as googlenet from '@convkit/googlenet';
import * as mnasnet from '@convkit/mnasnet';
import * as mobilenet from '@convkit/mobilenet';
import * as resnet from '@convkit/resnet';
import * as shufflenet from '@convkit/shufflenet';
import * as squeezenet from '@convkit/squeezenet';
import * as vgg from '@convkit/vgg';

type Builder = (options?: ClassifierOptions & Record<string, unknown>) => ImageClassifier;

/** Whose model and weights: torchvision's builders, or timm's (registered as `timm/<name>`). */
export type ModelSource = 'torchvision' | 'timm';

interface Family {
  family: string;
  source: ModelSource;
  names: readonly string[];
  weights: Partial<Record<string, WeightsEntry[]>>;
  builder: (name: string) => Builder;
}

const fromModule = (module: Record<string, unknown>) => (name: string) => module[name] as Builder;

const families: Family[] = [
  { family: 'vgg', source: 'torchvision', names: vgg.vggNames, weights: vgg.vggWeights, builder: fromModule(vgg) },
  {
    family: 'googlenet',
    source: 'torchvision',
    names: googlenet.googlenetNames,
    weights: googlenet.googlenetWeights,
    builder: fromModule(googlenet),
  },
  { family: 'resnet', source: 'torchvision', names: resnet.resnetNames, weights: resnet.resnetWeights, builder: fromModule(resnet) },
  {
    family: 'efficientnet',
    source: 'torchvision',
    names: efficientnet.efficientnetNames,
    weights: efficientnet.efficientnetWeights,
    builder: fromModule(efficientnet),
  },
  {
    family: 'mobilenet',
    source: 'torchvision',
    names: mobilenet.mobilenetNames,
    weights: mobilenet.mobilenetWeights,
    builder: fromModule(mobilenet),
  },
  { family: 'mnasnet', source: 'torchvision', names: mnasnet.mnasnetNames, weights: mnasnet.mnasnetWeights, builder: fromModule(mnasnet) },
  {
    family: 'shufflenet',
    source: 'torchvision',
    names: shufflenet.shufflenetNames,
    weights: shufflenet.shufflenetWeights,
    builder: fromModule(shufflenet),
  },
  {
    family: 'squeezenet',
    source: 'torchvision',
    names: squeezenet.squeezenetNames,
    weights: squeezenet.squeezenetWeights,
    builder: fromModule(squeezenet),
  },
  {
    family: 'resnet',
    source: 'timm',
    names: resnet.timmResnetNames,
    weights: resnet.timmResnetWeights,
    builder: (name) => (options) => resnet.timmResnet(name as resnet.TimmResNetName, options),
  },
  {
    family: 'efficientnet',
    source: 'timm',
    names: efficientnet.timmEfficientnetNames,
    weights: efficientnet.timmEfficientnetWeights,
    builder: (name) => (options) => efficientnet.timmEfficientNet(name as efficientnet.TimmEfficientNetName, options),
  },
  {
    family: 'mobilenet',
    source: 'timm',
    names: mobilenet.timmMobilenetv3Names,
    weights: mobilenet.timmMobilenetv3Weights,
    builder: (name) => (options) => mobilenet.timmMobilenetv3(name as mobilenet.TimmMobileNetV3Name, options),
  },
  {
    family: 'mobilenet',
    source: 'timm',
    names: mobilenet.timmMobilenetv4Names,
    weights: mobilenet.timmMobilenetv4Weights,
    builder: (name) => (options) => mobilenet.timmMobilenetv4(name as mobilenet.TimmMobileNetV4Name, options),
  },
];

export interface ModelInfo {
  /** The name `createModel` takes: torchvision's (`resnet50`) or timm's with its hub prefix (`timm/tf_efficientnet_b7`). */
  name: string;
  family: string;
  source: ModelSource;
  /** Parameter count with 1000 classes (torchvision's published figure; timm's variants have the same). */
  params: number;
  /** The eval crop size of the default weights (224 for most). */
  inputSize: number;
  /** The pretrained weights, default first (none for timm's untrained `efficientnet_b5`–`b7`). */
  weights: WeightsEntry[];
}

const registry = new Map<string, ModelInfo & { build: Builder }>();
for (const { family, source, names, weights, builder } of families) {
  for (const arch of names) {
    const entries = weights[arch] ?? [];
    // timm's untrained variants take the size and count of the same architecture elsewhere.
    const twin = registry.get(arch.replace(/^tf_/, ''));
    registry.set(source === 'timm' ? `timm/${arch}` : arch, {
      name: source === 'timm' ? `timm/${arch}` : arch,
      family,
      source,
      params: entries[0]?.numParams ?? twin?.params ?? 0,
      inputSize: entries[0]?.transforms.cropSize ?? twin?.inputSize ?? 224,
      weights: entries,
      build: builder(arch),
    });
  }
}

/** Every model convkit can build (`{ source: 'timm' }` for timm's only), by the names `createModel` takes. */
export function listModels(filter: { source?: ModelSource; family?: string } = {}): ModelInfo[] {
  return [...registry.values()]
    .filter(
      (m) => (filter.source === undefined || m.source === filter.source) && (filter.family === undefined || m.family === filter.family),
    )
    .map(({ build: _build, ...info }) => info);
}

/**
 * Builds a model by name: torchvision's (`createModel('resnet50', { numClasses: 10, seed: 0 })`)
 * or timm's as on its hub (`createModel('timm/tf_efficientnet_b7')`), whose state-dict keys are
 * timm's own so its checkpoints load as they are.
 */
export function createModel(name: string, options: ClassifierOptions & Record<string, unknown> = {}): ImageClassifier {
  const entry = registry.get(name);
  if (!entry) throw new UnknownNameError('createModel', name, [...registry.keys()]);
  return entry.build(options);
}

/** The info of one model, or an error listing the known names. */
export function modelInfo(name: string): ModelInfo {
  const found = registry.get(name);
  if (!found) throw new UnknownNameError('modelInfo', name, [...registry.keys()]);
  const { build: _build, ...info } = found;
  return info;
}
