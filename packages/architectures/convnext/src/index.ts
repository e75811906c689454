export * from './convnext';
