import { autoAugment, randAugment, randomHorizontalFlip, randomResizedCrop, type Transform, trivialAugmentWide } from '@convkit/data';
import type { Augment } from './options';

/**
 * The training augmentation of `--augment`, applied per batch to the stored eval crops (floats
 * in [0, 1], before normalization), in torchvision's order: RandomResizedCrop to the crop size,
 * RandomHorizontalFlip, then the policy (TrivialAugmentWide, RandAugment or AutoAugment's ImageNet
 * policy, with torchvision's defaults).
 */
export function trainAugmentation(augment: Augment, cropSize: number, seed: number): Transform[] {
  if (augment === 'none') return [];
  const flip = [randomResizedCrop(cropSize, { seed: seed + 1 }), randomHorizontalFlip({ seed: seed + 2 })];
  if (augment === 'flip') return flip;
  const policy = { trivial: trivialAugmentWide, rand: randAugment, auto: autoAugment }[augment];
  return [...flip, policy({ seed: seed + 3 })];
}
