import { UnknownNameError, type WeightsEntry } from '@convkit/core';
import { type ResNet, type ResNetName, type ResNetOptions, resnet18, resnet34, resnet50, resnet101, resnet152 } from './resnet';
import catalog from './timm-weights-catalog.json';

const builders = { resnet18, resnet34, resnet50, resnet101, resnet152 };

export type TimmResNetName = keyof typeof builders & ResNetName;
/** timm's ResNets that share torchvision's layout and state-dict keys; `createModel` takes them as `timm/<name>`. */
export const timmResnetNames = Object.keys(builders) as TimmResNetName[];

/** timm's pretrained weights a user would pick (the "ResNet strikes back" A1 recipe), with timm's eval transforms. */
export const timmResnetWeights = catalog as unknown as Record<TimmResNetName, WeightsEntry[]>;

/**
 * timm's `resnet18` … `resnet152`: torchvision's model with timm's initialisation, which zeroes
 * the last BatchNorm γ of every block (`zero_init_last`). timm checkpoints load unchanged.
 */
export function timmResnet(name: TimmResNetName, options: ResNetOptions = {}): ResNet {
  const build = builders[name];
  if (!build) throw new UnknownNameError('timmResnet', name, timmResnetNames);
  return build({ zeroInitResidual: true, ...options });
}
