export * from './mobilenet';
export * from './timm-mobilenetv3';
export * from './timm-mobilenetv4';
