import type { EvalTransforms } from '@convkit/core';
import { UsageError } from './model-name';

/** `--image-size`, `--mean`, `--std`: what a user may change of the eval transforms. */
export interface TransformOverrides {
  imageSize?: number;
  mean?: [number, number, number];
  std?: [number, number, number];
}

/** The transforms with the overrides applied; `--image-size` sets the crop and keeps the resize/crop ratio (256/224). */
export function overrideTransforms(t: EvalTransforms, { imageSize, mean, std }: TransformOverrides): EvalTransforms {
  const sized = imageSize ? { cropSize: imageSize, resizeSize: Math.floor((imageSize * t.resizeSize) / t.cropSize) } : {};
  return { ...t, ...sized, mean: mean ?? t.mean, std: std ?? t.std };
}

/** Parses `0.5,0.5,0.5` (three numbers, a positive std). */
export function parseTriple(option: string) {
  return (value: string): [number, number, number] => {
    const v = value.split(',').map(Number);
    if (v.length !== 3 || v.some((x) => !Number.isFinite(x)) || (option === '--std' && v.some((x) => x <= 0)))
      throw new UsageError(`${option} takes three ${option === '--std' ? 'positive ' : ''}numbers such as 0.5,0.5,0.5, got '${value}'`);
    return v as [number, number, number];
  };
}
