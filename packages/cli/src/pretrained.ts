import { statSync } from 'node:fs';
import type { EvalTransforms, Module } from '@convkit/core';
import { IMAGENET_MEAN, IMAGENET_STD } from '@convkit/data';
import { loadHubFolder, loadWeights } from '@convkit/weights';
import { checkReadableFile, isLocalPath } from './files';
import { UsageError, userModelInfo } from './model-name';
import { withFitHint } from './weights-fit';

/** torchvision's classic ImageNet eval transforms, for a model whose catalog has no entry. */
export const DEFAULT_TRANSFORMS: EvalTransforms = {
  resizeSize: 256,
  cropSize: 224,
  interpolation: 'bilinear',
  mean: [...IMAGENET_MEAN] as EvalTransforms['mean'],
  std: [...IMAGENET_STD] as EvalTransforms['std'],
};

/** The local folder `--weights` names (a timm or `convkit finetune` folder), if it names one; a named file must be readable. */
export function weightsFolder(weights: string | undefined): string | undefined {
  if (!weights || !isLocalPath(weights)) return undefined;
  if (statSync(weights, { throwIfNoEntry: false })?.isDirectory()) return weights;
  checkReadableFile(weights);
  return undefined;
}

/**
 * Loads `--weights` — a .pth/.safetensors file, a Hugging Face timm folder, a URL or 'default'
 * (the catalog's first entry) — into `model`, and returns the eval transforms that go with them:
 * the timm folder's `pretrained_cfg`, else the catalog entry's, else `DEFAULT_TRANSFORMS`.
 * Progress is drawn on a terminal only.
 */
export async function loadPretrained(model: Module, name: string, weights: string): Promise<EvalTransforms> {
  const entry = userModelInfo(name).weights[0];
  if (weights === 'default' && !entry) throw new UsageError(`${name} has no pretrained weights in the catalog; pass --weights <file>`);
  const folder = weightsFolder(weights);
  const tty = process.stderr.isTTY === true;
  const onProgress = (e: { loaded?: number; total?: number }) => {
    if (tty && e.total) process.stderr.write(`\rloading weights ${Math.round((100 * (e.loaded ?? 0)) / e.total)}%`);
  };
  const started = performance.now();
  let transforms = entry?.transforms ?? DEFAULT_TRANSFORMS;
  await withFitHint(name, async () => {
    if (folder) {
      transforms = (await loadHubFolder(model, folder, { onProgress })).config.transforms;
      process.stderr.write(
        `${tty ? '\r' : ''}config.json's transforms: resize ${transforms.resizeSize}, centre crop ${transforms.cropSize}, ${transforms.interpolation}\n`,
      );
    } else await loadWeights(model, weights === 'default' ? entry! : weights, { onProgress });
  });
  process.stderr.write(`${tty ? '\r' : ''}loaded weights in ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
  return transforms;
}
