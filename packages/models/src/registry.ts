import { type ClassifierOptions, type ImageClassifier, UnknownNameError, type WeightsEntry } from '@convkit/core';
import * as efficientnet from '@convkit/efficientnet';
import * as googlenet from '@convkit/googlenet';
import * as resnet from '@convkit/resnet';
import * as vgg from '@convkit/vgg';

type Builder = (options?: ClassifierOptions & Record<string, unknown>) => ImageClassifier;

interface Family {
  family: string;
  names: readonly string[];
  weights: Record<string, WeightsEntry[]>;
  module: Record<string, unknown>;
}

const families: Family[] = [
  { family: 'vgg', names: vgg.vggNames, weights: vgg.vggWeights, module: vgg },
  { family: 'googlenet', names: googlenet.googlenetNames, weights: googlenet.googlenetWeights, module: googlenet },
  { family: 'resnet', names: resnet.resnetNames, weights: resnet.resnetWeights, module: resnet },
  { family: 'efficientnet', names: efficientnet.efficientnetNames, weights: efficientnet.efficientnetWeights, module: efficientnet },
];

export interface ModelInfo {
  /** torchvision's builder name, e.g. `resnet50`. */
  name: string;
  family: string;
  /** Parameter count with 1000 classes (torchvision's published figure). */
  params: number;
  /** The eval crop size of the default weights (224 for most). */
  inputSize: number;
  /** torchvision's pretrained weights, default first. */
  weights: WeightsEntry[];
}

const registry = new Map<string, ModelInfo & { build: Builder }>();
for (const { family, names, weights, module } of families) {
  for (const name of names) {
    const entries = weights[name] ?? [];
    registry.set(name, {
      name,
      family,
      params: entries[0]?.numParams ?? 0,
      inputSize: entries[0]?.transforms.cropSize ?? 224,
      weights: entries,
      build: module[name] as Builder,
    });
  }
}

/** Every model convkit can build, with torchvision's names. */
export function listModels(): ModelInfo[] {
  return [...registry.values()].map(({ build: _build, ...info }) => info);
}

/** Builds a model by torchvision's name: `createModel('resnet50', {numClasses: 10, seed: 0})`. */
export function createModel(name: string, options: ClassifierOptions & Record<string, unknown> = {}): ImageClassifier {
  const entry = registry.get(name);
  if (!entry) throw new UnknownNameError('createModel', name, [...registry.keys()]);
  return entry.build(options);
}

/** The info of one model, or an error listing the known names. */
export function modelInfo(name: string): ModelInfo {
  const found = listModels().find((m) => m.name === name);
  if (!found) throw new UnknownNameError('modelInfo', name, [...registry.keys()]);
  return found;
}
