export * from './efficientnet';
export * from './timm-efficientnet';
