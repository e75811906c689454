// Browser-safe entry: nothing here imports node:* (see ./node.ts for file-system helpers).
export { readIdx, encodeIdx, type IdxArray, type IdxTensor } from './idx';
export { isGzip, maybeGunzip } from './gzip';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, fashionMnistFromIdx, type FashionMnistData, type Split } from './fashion-mnist';
export type { HWCImage, DecodedImage } from './image';
export { ArrayDataset, type ArrayDatasetOptions, type Dataset, type Sample } from './dataset';
export { randperm } from './shuffle';
export { batches, type Batch, type BatchOptions, type Batches } from './batches';
export type { Transform } from './transforms/transform';
export { toTensor } from './transforms/to-tensor';
export { interpolate, resize, shorterEdgeSize, type InterpolateOptions, type ResizeOptions } from './transforms/resize';
export type { InterpolationMode } from './transforms/interpolation';
export { crop, centerCrop } from './transforms/crop';
export { randomResizedCrop, randomResizedCropBox, type CropBox, type RandomResizedCropOptions } from './transforms/random-resized-crop';
export { horizontalFlip, randomHorizontalFlip } from './transforms/flip';
export { normalize, IMAGENET_MEAN, IMAGENET_STD } from './transforms/normalize';
export { compose } from './transforms/compose';
export { decodeImageInBrowser, canDecodeInBrowser, type DecodeImageInBrowserOptions } from './decode-image-browser';
export { readImageHeader, checkImageSize, detectImageFormat, DEFAULT_MAX_PIXELS, type ImageFormat, type ImageHeader } from './image-header';
export { IMAGENET_CLASSES } from './imagenet-classes';
export { decodePredictions, decodePredictionsAsync, type DecodePredictionsOptions, type Prediction } from './decode-predictions';
// Augmentations (torchvision 0.14): colour/tone/geometry ops, random transforms, auto-augment policies, mixup/cutmix.
export { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, rgbToGrayscale } from './transforms/color';
export { adjustSharpness, autocontrast, equalize, invert, posterize, solarize } from './transforms/tone';
export { affine, rotate, type AffineParams, type Fill, type GridInterpolation, type GridOptions } from './transforms/geometry';
export { gaussianBlur, randomGaussianBlur, type RandomGaussianBlurOptions } from './transforms/blur';
export { erase, randomErasing, randomErasingBox, type RandomErasingOptions } from './transforms/erasing';
export { colorJitter, randomGrayscale, type ColorJitterOptions } from './transforms/color-jitter';
export {
  randomAffine,
  randomAffineParams,
  randomRotation,
  type RandomAffineOptions,
  type RandomRotationOptions,
} from './transforms/random-affine';
export {
  autoAugmentPolicy,
  autoAugmentSpace,
  randAugmentSpace,
  trivialAugmentWideSpace,
  type AugmentOpName,
  type AugmentOpSpace,
  type AugmentationSpace,
  type AutoAugmentPolicyName,
  type PolicyStep,
} from './transforms/augment-policies';
export {
  applyAugmentOp,
  autoAugment,
  randAugment,
  trivialAugmentWide,
  type AugmentOpOptions,
  type AutoAugmentOptions,
  type RandAugmentOptions,
  type TrivialAugmentWideOptions,
} from './transforms/auto-augment';
export {
  cutmixBatch,
  cutmixBox,
  mixupBatch,
  randomCutmix,
  randomMixup,
  type BatchMix,
  type MixedBatch,
  type RandomMixOptions,
} from './transforms/mixup';
