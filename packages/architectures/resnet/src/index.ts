export * from './resnet';
export * from './timm-resnet';
