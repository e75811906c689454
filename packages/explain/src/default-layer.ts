import { type Module, OptionError } from '@convkit/core';

/**
 * The last convolutional stage of each model family, by the model's `typeName`: the layer
 * Grad-CAM looks at unless told otherwise (pytorch-grad-cam's usual choices). Its output is the
 * last feature map with a spatial extent, before global pooling.
 */
const camLayers: Readonly<Record<string, string>> = {
  ResNet: 'layer4',
  VGG: 'features',
  GoogLeNet: 'inception5b',
  EfficientNet: 'features',
  MobileNetV2: 'features',
  MobileNetV3: 'features',
  MNASNet: 'layers',
  ShuffleNetV2: 'conv5',
  SqueezeNet: 'features',
  SmallCNN: 'features',
  // timm's heads apply the last activation inline (after `bn2`) or sit after the pooling
  // (`conv_head` of MobileNetV3/V4): the blocks' output is their last feature map.
  TimmEfficientNet: 'blocks',
  TimmMobileNetV3: 'blocks',
  TimmMobileNetV4: 'blocks',
};

/** The module path Grad-CAM uses by default: the last convolutional stage ('layer4' for ResNet, 'features' for EfficientNet/MobileNet, …). */
export function defaultCamLayer(model: Module): string {
  const layer = camLayers[model.typeName];
  if (layer !== undefined) return layer;
  const top = model
    .namedChildren()
    .map(([name]) => name)
    .join(', ');
  throw new OptionError(
    'defaultCamLayer',
    `no default Grad-CAM layer for a '${model.typeName}' (known: ${Object.keys(camLayers).join(', ')}); pass options.layer, a module path whose output is the last feature map, e.g. one of ${top}`,
  );
}
