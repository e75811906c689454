import { modelInfo } from '@convkit/models';

// torchvision's pretrained weights for resnet50, as data: pass an entry to loadWeights.
for (const entry of modelInfo('resnet50').weights) {
  console.log(entry.tag, entry.url);
  console.log(
    `  sha256 ${entry.sha256Prefix}…, top-1 ${entry.metrics.acc1} %, resize ${entry.transforms.resizeSize} → crop ${entry.transforms.cropSize}`,
  );
}
