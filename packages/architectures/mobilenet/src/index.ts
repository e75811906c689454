export * from './mobilenet';
export * from './timm-mobilenetv3';
