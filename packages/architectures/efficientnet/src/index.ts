export * from './efficientnet';
export * from './efficientnet-v2';
export * from './timm-efficientnet';
